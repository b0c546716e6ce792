// Takes the README's screenshots from a running server without mail set
// up (so that signing up makes the account at once):
//   node screenshot.mjs http://127.0.0.1:3100 screenshots
import { chromium } from "@playwright/test";

const [base = "http://127.0.0.1:3100", out = "screenshots"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
const handle = `ada-${Date.now().toString(36)}`;
await page.goto(`${base}/signup`);
await page.screenshot({ path: `${out}/signup.png` });
await page.getByLabel("Handle").fill(handle);
await page.getByLabel("Email").fill(`${handle}@example.com`);
await page.getByLabel("Password").fill("correct horse battery staple");
await page.getByRole("button", { name: "Create account" }).click();
await page.waitForURL(/settings\/profile/);
await page.locator('body[data-hydrated="true"]').waitFor({ state: "attached" });
const hydrated = () => page.locator('body[data-hydrated="true"]').waitFor({ state: "attached" });
const dismissToasts = async () => {
  while (await page.getByRole("button", { name: "Dismiss" }).count()) await page.getByRole("button", { name: "Dismiss" }).first().click();
};
await page.getByLabel("First name").fill("Ada");
await page.getByLabel("Last name").fill("Lovelace");
await page.getByLabel("Display name").fill("Ada Lovelace");
await page.getByRole("button", { name: "Save", exact: true }).click();
await page.waitForTimeout(800);
await dismissToasts();
await page.getByRole("button", { name: "Reveal" }).click();
await page.screenshot({ path: `${out}/profile.png` });
await page.getByRole("button", { name: "Edit Avatar" }).click();
await page.screenshot({ path: `${out}/avatar-dialog.png` });
await page.keyboard.press("Escape");
await page.getByRole("button", { name: "Account menu" }).click();
await page.screenshot({ path: `${out}/account-menu.png` });
await page.keyboard.press("Escape");
await page.getByRole("link", { name: "Tokens", exact: true }).click();
await page.waitForURL(/settings\/tokens/);
await hydrated();
for (const [name, days] of [["CI deploy", "7"], ["", "60"]]) {
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForFunction(() => document.getElementById("api-token")?.value?.length > 0);
  await page.getByLabel("Expiration Date").selectOption(days);
  await page.getByLabel("Name (optional)").fill(name);
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForTimeout(500);
}
await page.getByRole("button", { name: "Reveal" }).click();
while (await page.getByRole("button", { name: "Dismiss" }).count()) await page.getByRole("button", { name: "Dismiss" }).first().click();
await page.waitForTimeout(300);
await page.screenshot({ path: `${out}/tokens.png` });
await page.getByRole("row").nth(1).getByRole("button", { name: "Token actions" }).click();
await page.screenshot({ path: `${out}/tokens-menu.png` });
await page.keyboard.press("Escape");
await page.getByRole("row").nth(1).getByRole("button", { name: "Token actions" }).click();
await page.getByRole("menuitem", { name: "Delete" }).click();
await page.screenshot({ path: `${out}/tokens-delete.png` });
await page.keyboard.press("Escape");
await page.getByRole("link", { name: "Audit Log", exact: true }).click();
await page.waitForTimeout(800);
while (await page.getByRole("button", { name: "Dismiss" }).count()) await page.getByRole("button", { name: "Dismiss" }).first().click();
await page.screenshot({ path: `${out}/audit-log.png` });
await page.getByRole("link", { name: "Security", exact: true }).click();
await page.waitForTimeout(800);
await page.screenshot({ path: `${out}/security.png` });
await page.getByRole("link", { name: "Advanced", exact: true }).click();
await page.waitForTimeout(800);
await hydrated();
await page.getByLabel("Handle", { exact: true }).fill(`${handle}-new`);
await page.getByRole("button", { name: "Save" }).click();
await page.waitForTimeout(800);
await page.screenshot({ path: `${out}/advanced-handle.png` });
await page.keyboard.press("Escape");
await page.goto(`${base}/admin/users`);
await page.waitForTimeout(1000);
await page.screenshot({ path: `${out}/users.png` });
// The same pages on a phone (390 × 844): tables become cards.
await page.setViewportSize({ width: 390, height: 844 });
for (const [name, path] of [["tokens", "tokens"], ["profile", "profile"], ["audit-log", "audit-log"]]) {
  await page.goto(`${base}/settings/${path}`);
  await hydrated();
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${out}/${name}-phone.png`, fullPage: true });
}
await browser.close();
