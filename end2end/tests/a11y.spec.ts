// axe-core on every page, and on every dialog and menu once open: no
// serious or critical WCAG 2.1 A/AA violation.
import AxeBuilder from "@axe-core/playwright";
import { Page } from "@playwright/test";
import {
  test,
  expect,
  PASSWORD,
  hydrated,
  linkIn,
  mailTo,
  makeAdmin,
  saveToken,
  signIn,
  signUp,
  uniqueHandle,
} from "./helpers";

/** Fails with each serious or critical violation named, and where. Waits
 * for finite animations first: a toast fading in measures as low contrast. */
async function audit(page: Page, what: string) {
  await page.waitForFunction(() =>
    document
      .getAnimations()
      .every((a) => a.playState !== "running" || a.effect?.getComputedTiming().iterations === Infinity),
  );
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  expect(bad, what).toEqual([]);
}

/** Opens `button`'s dialog, checks the page with it open, closes it. */
async function auditDialog(page: Page, button: string, dialog: string | RegExp) {
  await page.getByRole("button", { name: button, exact: true }).click();
  await expect(page.getByRole("dialog", { name: dialog })).toBeVisible();
  await audit(page, `${page.url()} with "${dialog}" open`);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: dialog })).toBeHidden();
}

test("every page, signed out and signed in", async ({ page }) => {
  for (const path of ["/login", "/signup", "/forgot-password", "/no-such-page"]) {
    await page.goto(path);
    await audit(page, path);
  }
  await signUp(page, uniqueHandle("axe"), true, (what) => audit(page, what));
  for (const section of ["profile", "tokens", "audit-log", "security", "notifications", "advanced"]) {
    await page.goto(`/settings/${section}`);
    await hydrated(page);
    await audit(page, `/settings/${section}`);
  }
});

test("every dialog and menu, open", async ({ page }) => {
  await signUp(page, uniqueHandle("axe"));
  await page.getByRole("button", { name: "Account menu" }).click();
  await expect(page.getByRole("menu")).toBeVisible();
  await audit(page, "the account menu");
  await page.keyboard.press("Escape");
  await auditDialog(page, "Edit Avatar", "Edit avatar");
  await auditDialog(page, "Rotate Password", "Rotate database password?");

  await page.goto("/settings/tokens");
  await hydrated(page);
  await saveToken(page, "axe");
  await audit(page, "a token just saved, shown once");
  await page.reload();
  await hydrated(page);
  const row = page.getByRole("row").filter({ hasText: "axe" });
  await row.getByRole("button", { name: "Token actions" }).click();
  await expect(page.getByRole("menu")).toBeVisible();
  await audit(page, "the token's menu");
  await page.getByRole("menuitem", { name: "Delete" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await audit(page, "the delete dialog");
  await page.keyboard.press("Escape");
  await row.getByRole("button", { name: "Token actions" }).click();
  await page.getByRole("menuitem", { name: "Regenerate" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await audit(page, "the regenerate dialog");
  await page.keyboard.press("Escape");

  await page.goto("/settings/advanced");
  await hydrated(page);
  await auditDialog(page, "Delete Personal Account", "Delete your account?");
  await page.getByLabel("Handle", { exact: true }).fill(uniqueHandle("renamed"));
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("dialog", { name: "Change your handle?" })).toBeVisible();
  await audit(page, "the handle dialog");
});

test("the administrator's pages and dialogs", async ({ page }) => {
  const admin = makeAdmin();
  await signIn(page, admin);
  await page.goto("/admin/users");
  await hydrated(page);
  await audit(page, "/admin/users");
  await auditDialog(page, "Create user", "Create user");
  await auditDialog(page, `Edit ${admin}`, "Edit user");
  // Another user's row has Disable, which asks first.
  const other = makeAdmin();
  await page.reload();
  await hydrated(page);
  await auditDialog(page, `Disable ${other}`, `Disable ${other}?`);
});

test("the pages a mailed link opens", async ({ page }) => {
  const handle = uniqueHandle("links");
  await signUp(page, handle);
  // A new address: the confirmation link's page.
  await page.getByLabel("First name").fill("Li");
  await page.getByLabel("Last name").fill("Nks");
  await page.getByLabel("Display name").fill("Li");
  await page.getByLabel("Email").fill(`${handle}@new.example`);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(`Waiting for you to confirm ${handle}@new.example`)).toBeVisible();
  await page.goto(linkIn(await mailTo(`${handle}@new.example`, "Confirm your email address"), "/confirm-email"));
  await expect(page.getByRole("button", { name: "Confirm email address" })).toBeVisible();
  await audit(page, "/confirm-email");
  // Forgot password: its request page and the link's page.
  await page.context().clearCookies();
  await page.goto("/forgot-password");
  await hydrated(page);
  await page.getByLabel("Email or handle").fill(handle);
  await page.getByRole("button", { name: "Send the link" }).click();
  await page.goto(linkIn(await mailTo(`${handle}@example.com`, "Reset your password"), "/reset-password"));
  await expect(page.getByRole("button", { name: "Set new password" })).toBeVisible();
  await audit(page, "/reset-password");
});
