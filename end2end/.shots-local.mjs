import { chromium } from "@playwright/test";
const [base, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
for (const [w, h, tag] of [[1280, 860, "wide"], [390, 844, "phone"]]) {
  const ctx = await browser.newContext({ viewport: { width: w, height: h } });
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"]);
  const page = await ctx.newPage();
  const handle = `shot-${tag}-${Date.now().toString(36)}`;
  await page.goto(`${base}/signup`);
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Email").fill(`${handle}@example.com`);
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/settings\/profile/);
  await page.goto(`${base}/settings/tokens`);
  await page.locator('body[data-hydrated="true"]').waitFor({ state: "attached" });
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForTimeout(500);
  await page.getByLabel("Name (optional)").fill("CI deploy");
  await page.getByLabel("user:write").check();
  await page.screenshot({ path: `${out}/${tag}-form.png`, fullPage: true });
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForTimeout(1000);
  const secret = await page.getByLabel("API token", { exact: true }).inputValue();
  await page.request.get(`${base}/api/v1/user`, { headers: { Authorization: `Bearer ${secret}` } });
  await page.waitForTimeout(1500);
  await page.reload();
  await page.locator('body[data-hydrated="true"]').waitFor({ state: "attached" });
  await page.screenshot({ path: `${out}/${tag}-list.png`, fullPage: true });
  const row = page.getByRole("row").filter({ hasText: "CI deploy" });
  await row.getByRole("button", { name: "Token actions" }).click();
  await page.screenshot({ path: `${out}/${tag}-menu.png` });
  await page.getByRole("menuitem", { name: "Details" }).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${tag}-details.png` });
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await row.getByRole("button", { name: "Token actions" }).click();
  await page.getByRole("menuitem", { name: "Regenerate" }).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${tag}-regen.png` });
  await page.getByRole("dialog").getByLabel("The old secret stops working").selectOption({ label: "After 24 hours" });
  await page.getByRole("dialog").getByRole("button", { name: "Regenerate" }).click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/${tag}-regen-done.png` });
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/${tag}-after.png`, fullPage: true });
  await ctx.close();
}
await browser.close();
