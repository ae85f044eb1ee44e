"""ICS Readiness: the domain. Nothing in this package imports Streamlit."""
