// Builds ../assessment/vendor/plotly-pdf.min.js: plotly.js's core (which always has scatter) with
// the other trace types the PDF's charts draw, and no more. Loading the full plotly.js was most of
// the chart browser's start. A trace type added to the charts goes in TRACES; a test fails until
// it does. The settings are plotly.js's own (its esbuild-config.js), minified.
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const plotlyVersion = require('plotly.js/package.json').version;

const TRACES = ['bar', 'box', 'heatmap', 'scatterpolar'];

const entry = [
    "'use strict';",
    "var Plotly = require('plotly.js/lib/core');",
    `Plotly.register([${TRACES.map((t) => `require('plotly.js/lib/${t}')`).join(', ')}]);`,
    'module.exports = Plotly;',
].join('\n');

esbuild
    .build({
        stdin: { contents: entry, resolveDir: __dirname, sourcefile: 'plotly-pdf.js' },
        outfile: path.join(__dirname, '..', 'assessment', 'vendor', 'plotly-pdf.min.js'),
        format: 'iife',
        globalName: 'Plotly',
        bundle: true,
        minify: true,
        sourcemap: false,
        plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
        alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
        define: { global: 'window', 'define.amd': 'false' },
        target: 'es2016',
        legalComments: 'inline',
        banner: {
            js:
                `/* plotly.js v${plotlyVersion} (MIT licence, Copyright 2012-2026 Plotly, Inc.; ` +
                'LICENSE-plotly.js.txt beside this file), built by charts-bundle/build.js with its ' +
                `core and only these traces: scatter, ${TRACES.join(', ')}. */`,
        },
        logLevel: 'info',
    })
    .catch(() => process.exit(1));
