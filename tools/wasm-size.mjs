// What a browser downloads of the release WASM, gzipped (level 9).
//
//   node tools/wasm-size.mjs PKG_DIR                      main module and each island
//   node tools/wasm-size.mjs PKG_DIR BASE HANDLE PASSWORD  and each page, as served
//
// The main module is on every page. Each island (`#[island(lazy)]`) is
// fetched with the chunks cargo-leptos' split manifest lists for it, only on
// the pages that show it. With a running server, the script signs in (the
// account should be an administrator, for /admin/users), reads each page's
// HTML for the islands on it and adds up the files that page loads.
import { readFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const [pkg, base, handle, password] = process.argv.slice(2);
const gz = (name) => gzipSync(readFileSync(join(pkg, name)), { level: 9 }).length;
const main = gz("account-settings.wasm");
const manifestPath = join(pkg, "__wasm_split_manifest.json");
const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, "utf8")) : {};
const pad = (n) => String(n).padStart(10);

// `NewToken_123` in the page is `new_token_loader_456` in the manifest
// (island names are unique in this app; the two numbers differ).
const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
function chunksOf(component) {
  const prefix = `${snake(component.replace(/_\d+$/, ""))}_loader_`;
  const key = Object.keys(manifest).find((k) => k.startsWith(prefix));
  return key ? manifest[key] : [];
}
function weigh(components) {
  const files = new Set();
  for (const c of components) chunksOf(c).forEach((f) => files.add(`${f}.wasm`));
  let total = main;
  for (const f of files) total += gz(f);
  return { total, files: files.size + 1 };
}

console.log(`main module (every page)   ${pad(main)} bytes gzipped`);
for (const key of Object.keys(manifest).sort()) {
  const island = key.replace(/_loader_\d+$/, "");
  const extra = manifest[key].reduce((sum, c) => sum + gz(`${c}.wasm`), 0);
  console.log(`  island ${island.padEnd(18)} ${pad(extra)} bytes gzipped more, in ${manifest[key].length} files`);
}
if (!base) process.exit(0);

// Sign in through the sign-in form's own server function.
const loginPage = await (await fetch(`${base}/login`)).text();
const action = loginPage.match(/<form[^>]*action="([^"]+)"/)?.[1];
const res = await fetch(base + action, {
  method: "POST",
  headers: { Accept: "application/json", Origin: base, "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ login: handle, password }),
  redirect: "manual",
});
const cookie = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).join("; ");
if (!res.ok || !cookie) throw new Error(`sign-in failed: ${res.status}`);

const pages = ["/login", "/settings/profile", "/settings/tokens", "/settings/audit-log", "/settings/security", "/settings/advanced", "/admin/users"];
let most = 0;
for (const path of pages) {
  const html = await (await fetch(base + path, { headers: { Cookie: path === "/login" ? "" : cookie } })).text();
  const islands = [...new Set([...html.matchAll(/data-component="([^"]+)"/g)].map((m) => m[1]))];
  const { total, files } = weigh(islands);
  most = Math.max(most, total);
  console.log(`  page ${path.padEnd(20)} ${pad(total)} bytes gzipped in ${files} files`);
}
console.log(`most a page load downloads ${pad(most)} bytes gzipped (target < 250 KB: ${most < 250000 ? "met" : "NOT met"})`);
