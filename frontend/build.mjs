// Copies the browser assets Tinko serves from node_modules into src/tinko/static/dist under
// content-hashed names (so they can be cached for a year), bundles the console's script and
// stylesheet with esbuild (htmx and Chart.js come from node_modules, pinned by
// package-lock.json), and writes manifest.json, which maps each logical name to its file.
// Run by scripts/build-assets after `npm ci`.
import { createHash } from "node:crypto";
import { buildSync } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const out = process.argv[2] ?? join(here, "..", "src", "tinko", "static", "dist");

// logical name -> file inside node_modules
const ASSETS = {
  "swagger-ui.js": "swagger-ui-dist/swagger-ui-bundle.js",
  "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
  "favicon.png": "swagger-ui-dist/favicon-32x32.png",
  "redoc.js": "redoc/bundles/redoc.standalone.js",
  // The licences travel with the code they cover.
  "swagger-ui.LICENSE.txt": "swagger-ui-dist/LICENSE",
  "swagger-ui.NOTICE.txt": "swagger-ui-dist/NOTICE",
  "redoc.LICENSE.txt": "redoc/LICENSE",
  "htmx.LICENSE.txt": "htmx.org/LICENSE",
  "chart.js.LICENSE.txt": "chart.js/LICENSE.md",
};

// The console's own bundles: logical name -> entry point under frontend/console.
const BUNDLES = {
  "console.js": "console/console.js",
  "console.css": "console/console.css",
};

// Requests a bundle would make to someone else's server, each replaced by nothing: the docs must
// work with no network and not tell a third party when they are read. The build stops if one is
// no longer found, so an upgrade that moves it is noticed.
const OFFLINE = {
  // ReDoc's "API docs by Redocly" logo; an empty src fails at once and the logo hides itself.
  "redoc.js": [['src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', 'src:""']],
};

// Source maps are not shipped; a dangling reference would only make devtools ask for them.
const SOURCE_MAP = /\n\/[/*]# sourceMappingURL=[^\n]*\s*$/;

mkdirSync(out, { recursive: true });
for (const name of readdirSync(out)) {
  if (!name.startsWith(".")) rmSync(join(out, name), { recursive: true, force: true });
}
const manifest = {};
for (const [logical, source] of Object.entries(ASSETS)) {
  let content = readFileSync(join(modules, source));
  if ([".js", ".css"].includes(extname(logical))) {
    let text = content.toString("utf8").replace(SOURCE_MAP, "\n");
    for (const [from, to] of OFFLINE[logical] ?? []) {
      if (text.split(from).length !== 2) {
        throw new Error(`${source}: expected ${from} exactly once; update OFFLINE in build.mjs`);
      }
      text = text.replace(from, to);
    }
    content = Buffer.from(text);
  }
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 12);
  const ext = extname(logical);
  const file = `${logical.slice(0, -ext.length)}.${hash}${ext}`;
  writeFileSync(join(out, file), content);
  manifest[logical] = file;
}
for (const [logical, entry] of Object.entries(BUNDLES)) {
  const result = buildSync({
    entryPoints: [join(here, entry)],
    bundle: true,
    minify: true,
    write: false,
    format: "iife",
    target: ["es2020"],
    legalComments: "none", // the licences are shipped beside the bundle instead
    logLevel: "warning",
  });
  const content = Buffer.from(result.outputFiles[0].contents);
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 12);
  const ext = extname(logical);
  const file = `${logical.slice(0, -ext.length)}.${hash}${ext}`;
  writeFileSync(join(out, file), content);
  manifest[logical] = file;
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
