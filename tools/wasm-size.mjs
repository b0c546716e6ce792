// What a browser downloads of the release WASM, gzipped (level 9): the main
// module, and for each page the main module plus the chunks that page loads
// (from cargo-leptos' split manifest). Usage: node tools/wasm-size.mjs PKG_DIR
import { readFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const pkg = process.argv[2];
const gz = (name) => gzipSync(readFileSync(join(pkg, name)), { level: 9 }).length;
const main = gz("account-settings.wasm");
const manifestPath = join(pkg, "__wasm_split_manifest.json");
const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, "utf8")) : {};
const pages = Object.entries(manifest)
  .map(([route, chunks]) => {
    const page = route.replace(/^__/, "").replace(/_route_view_\d+$/, "");
    const extra = chunks.reduce((sum, c) => sum + gz(`${c}.wasm`), 0);
    return { page, files: chunks.length + 1, total: main + extra };
  })
  .sort((a, b) => b.total - a.total);
console.log(`main module (every page)   ${String(main).padStart(10)} bytes gzipped`);
for (const p of pages) {
  console.log(`  page ${p.page.padEnd(20)} ${String(p.total).padStart(10)} bytes gzipped in ${p.files} files`);
}
const most = pages.length ? pages[0].total : main;
console.log(`most a page load downloads ${String(most).padStart(10)} bytes gzipped (target < 256000)`);
