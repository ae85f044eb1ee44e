"""Streamlit-aware glue: cached resources, session keys, widgets. Pages call these; assessment/ never does."""
