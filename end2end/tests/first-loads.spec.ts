// First loads in new browsers: each page opened in a fresh context (no
// cache, nothing run before) must name in its Content-Security-Policy the
// nonce of every inline script it carries, and come alive. A policy that
// lacked the nonce left about one such load in ten dead: the inline
// scripts blocked, the islands never hydrated. E2E_FIRST_LOADS sets the
// loads per page (default 5; the figure in the README is from 200).
import { test, expect, hydrated, newContext, signUp, uniqueHandle, SETTINGS_PAGES } from "./helpers";
import type { Response } from "@playwright/test";

const LOADS = Number(process.env.E2E_FIRST_LOADS ?? 5);
const SIGNED_IN = SETTINGS_PAGES;
const SIGNED_OUT = ["/login", "/signup", "/forgot-password"];

/** The header's nonce, and that every inline script of the body has it. */
async function nonceMatches(res: Response | null) {
  expect(res, "an answer").not.toBeNull();
  const policy = (await res!.allHeaders())["content-security-policy"] ?? "";
  const nonce = /script-src [^;]*'nonce-([^']+)'/.exec(policy)?.[1];
  expect(nonce, `a nonce in ${policy}`).toBeTruthy();
  const html = await res!.text();
  const inline = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).filter((t) => !/\ssrc=/.test(t));
  expect(inline.length).toBeGreaterThan(0);
  for (const tag of inline) expect(tag).toContain(`nonce="${nonce}"`);
}

test(`every page comes alive on its first load in a new browser (${LOADS} each)`, async ({ page, context, browser }) => {
  test.setTimeout(60_000 + LOADS * (SIGNED_IN.length + SIGNED_OUT.length) * 3_000);
  await signUp(page, uniqueHandle("first"));
  const cookies = await context.cookies();
  for (let i = 0; i < LOADS; i++) {
    for (const path of [...SIGNED_IN, ...SIGNED_OUT]) {
      const fresh = await newContext(browser);
      if (SIGNED_IN.includes(path)) await fresh.addCookies(cookies);
      const p = await fresh.newPage();
      const res = await p.goto(path);
      expect(res?.status(), `${path} load ${i + 1}`).toBe(200);
      await nonceMatches(res);
      await hydrated(p);
      await fresh.close();
    }
  }
});
