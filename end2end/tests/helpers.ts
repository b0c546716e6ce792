// What the browser tests share: unique handles, signing up (through the
// mailed link) and in, the mail received, an administrator made with the
// CLI, and waiting for the page's islands.
import { test as base, expect, Browser, BrowserContext, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICY_LOG } from "../policy";

/** Collects every Content-Security-Policy violation the browser reports
 * in `context`'s pages (Chromium logs each to the console). */
export function watchPolicy(context: BrowserContext): string[] {
  const violations: string[] = [];
  context.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  return violations;
}

/** What the contexts a test opened itself (with `newContext`) reported. */
let opened: string[][] = [];

/** A new browser context whose pages the policy guard watches too. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  opened.push(watchPolicy(context));
  return context;
}


/** Playwright's `test`, failing any test whose pages (in its own context
 * or in those it opened with `newContext`) break the site's
 * Content-Security-Policy, and recording the violations for the run. */
export const test = base.extend<{ policyGuard: void }>({
  policyGuard: [
    async ({ context }, use, info) => {
      opened = [];
      const violations = watchPolicy(context);
      await use();
      const all = [...violations, ...opened.flat()];
      if (all.length > 0) {
        fs.mkdirSync(path.dirname(POLICY_LOG), { recursive: true });
        const title = `${info.titlePath.join(" › ")} (try ${info.retry + 1})`;
        fs.appendFileSync(POLICY_LOG, all.map((v) => `${title}: ${v}\n`).join(""));
      }
      expect(all, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

export const PASSWORD = "correct horse battery staple";

/** Every settings page, in the order of the left-hand menu. */
export const SETTINGS_PAGES = [
  "/settings/profile",
  "/settings/tokens",
  "/settings/audit-log",
  "/settings/security",
  "/settings/notifications",
  "/settings/advanced",
];

/** A handle no other test uses. */
export function uniqueHandle(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** Waits until every island of the page is interactive (the app marks <body>). */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: "attached" });
}

/** Signs up as a person does with mail set up: the form, "Check your
 * email", the mailed link's page, the password again. Then waits for the
 * islands unless the page runs no script. `visit` is called on the two
 * pages between (the accessibility test checks them). */
export async function signUp(
  page: Page,
  handle: string,
  waitForIslands = true,
  visit: (what: string) => Promise<void> = async () => {},
) {
  const email = `${handle}@example.com`;
  await askToSignUp(page, handle, email);
  await visit("/signup/sent");
  await page.goto(linkIn(await mailTo(email, "Finish creating your account"), "/signup/finish"));
  await expect(page.getByText(email, { exact: true })).toBeVisible();
  await visit("/signup/finish");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  if (waitForIslands) await hydrated(page);
}

/** Sends the sign-up form, and lands on "Check your email" (mail is set
 * up for the browser tests). */
export async function askToSignUp(page: Page, handle: string, email: string) {
  await page.goto("/signup");
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/signup\/sent$/);
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
}

export type Mail = { envelope_to: string[]; headers: Record<string, string>; text: string };

/** The latest mail to `to` whose subject ends with `subject`, waiting for
 * it. Mail reaches tools/smtp_sink.py, which writes each message as JSON
 * into E2E_MAIL_DIR (tools/test.sh starts it and points the server at it). */
export async function mailTo(to: string, subject: string): Promise<Mail> {
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir) throw new Error("E2E_MAIL_DIR is not set (run the browser tests with tools/test.sh)");
  for (let i = 0; i < 100; i++) {
    const found = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Mail)
      .filter((m) => m.envelope_to.includes(to) && m.headers.subject.endsWith(subject));
    if (found.length > 0) return found[found.length - 1];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} ending "${subject}"`);
}

/** The one-time link to `pagePath` in `mail`. */
export function linkIn(mail: Mail, pagePath: string): string {
  const m = mail.text.match(new RegExp(`https?://\\S+${pagePath}\\?token=[0-9a-f]{64}`));
  if (!m) throw new Error(`no ${pagePath} link in:\n${mail.text}`);
  return m[0];
}

export async function signIn(page: Page, handle: string, password: string = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email or handle").fill(handle);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await hydrated(page);
}

/** An administrator made with the CLI on the server's own data. */
export function makeAdmin(): string {
  const dataDir = process.env.E2E_DATA_DIR;
  const bin = process.env.E2E_BIN;
  if (!dataDir || !bin) throw new Error("run through tools/test.sh: it sets E2E_DATA_DIR and E2E_BIN");
  const admin = uniqueHandle("admin");
  execFileSync(bin, ["user", "create", "--handle", admin, "--email", `${admin}@example.com`, "--admin"], {
    input: PASSWORD,
    env: { ...process.env, DATA_DIR: dataDir },
  });
  return admin;
}

/** Generates and saves a token on the Tokens page; returns its secret. */
export async function saveToken(page: Page, name: string): Promise<string> {
  const field = page.getByLabel("API token", { exact: true });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(field).toHaveValue(/^ast_/);
  await page.getByLabel("Name (optional)").fill(name);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "saved" })).toBeVisible();
  return field.inputValue();
}

/** The id of the focused element, or its tag name when it has none. */
export async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return !el ? "none" : el.id || el.tagName.toLowerCase();
  });
}
