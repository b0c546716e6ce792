// Two browsers on one account at once: each change either lands or is
// refused with a message that says why, and neither ever gets an error page.
import { Browser, Page } from "@playwright/test";
import { test, expect, PASSWORD, hydrated, signUp, signIn, uniqueHandle, watchPolicy } from "./helpers";

/** A second browser (its own cookies) signed in as `handle`. */
async function secondBrowser(browser: Browser, handle: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const violations = watchPolicy(context);
  const page = await context.newPage();
  await signIn(page, handle, PASSWORD);
  return {
    page,
    close: async () => {
      await context.close();
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
  };
}

/** Saves a token from the Tokens page (generated, named, saved). */
async function saveToken(page: Page, name: string) {
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByLabel("API token", { exact: true })).toHaveValue(/^ast_/);
  await page.getByLabel("Name (optional)").fill(name);
  await page.getByRole("button", { name: "Save" }).click();
}

async function openTokens(page: Page) {
  await page.goto("/settings/tokens");
  await hydrated(page);
}

test("the same profile saved in two browsers: the later save wins, both say saved", async ({ page, browser }) => {
  const handle = uniqueHandle("twice");
  await signUp(page, handle);
  const other = await secondBrowser(browser, handle);
  // Both pages are open before either saves.
  await other.page.goto("/settings/profile");
  await hydrated(other.page);

  for (const p of [page, other.page]) {
    await p.getByLabel("First name").fill("Two");
    await p.getByLabel("Last name").fill("Browsers");
  }
  await page.getByLabel("Display name").fill("From the first");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();

  await other.page.getByLabel("Display name").fill("From the second");
  await other.page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(other.page.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();

  await page.reload();
  await expect(page.getByLabel("Display name")).toHaveValue("From the second");
  await expect(page.locator(".account-name")).toHaveText("From the second");
  await other.close();
});

test("the same token deleted in two browsers: the second is told it is gone", async ({ page, browser }) => {
  const handle = uniqueHandle("twodel");
  await signUp(page, handle);
  await openTokens(page);
  await saveToken(page, "shared");
  await expect(page.getByRole("status").filter({ hasText: "saved" })).toBeVisible();
  const other = await secondBrowser(browser, handle);
  await openTokens(other.page);

  for (const p of [page, other.page]) {
    const row = p.getByRole("row").filter({ hasText: "shared" });
    await row.getByRole("button", { name: /Token actions/ }).click();
    await p.getByRole("menuitem", { name: "Delete" }).click();
  }
  await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Token deleted" })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "shared" })).toHaveCount(0);

  const late = other.page.getByRole("dialog");
  await late.getByRole("button", { name: "Confirm" }).click();
  await expect(other.page.getByText("Token was not found.")).toBeVisible();
  await expect(other.page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await other.close();
});

test("two browsers saving at the token limit: one is saved, the other told the limit", async ({ page, browser }) => {
  const handle = uniqueHandle("twolimit");
  await signUp(page, handle);
  await openTokens(page);
  await saveToken(page, "first");
  await expect(page.getByRole("status").filter({ hasText: "saved" })).toBeVisible();
  await page.reload();
  await hydrated(page);
  const other = await secondBrowser(browser, handle);
  await openTokens(other.page);

  // One token of two: both browsers may generate the second.
  for (const p of [page, other.page]) {
    await p.getByRole("button", { name: "Generate" }).click();
    await expect(p.getByLabel("API token", { exact: true })).toHaveValue(/^ast_/);
  }
  await page.getByLabel("Name (optional)").fill("from-one");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "saved" })).toBeVisible();

  await other.page.getByLabel("Name (optional)").fill("from-two");
  await other.page.getByRole("button", { name: "Save" }).click();
  await expect(other.page.getByText(/the most allowed/)).toBeVisible();
  await expect(other.page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await other.page.reload();
  await expect(other.page.getByRole("row").filter({ hasText: "from-one" })).toHaveCount(1);
  await expect(other.page.getByRole("row").filter({ hasText: "from-two" })).toHaveCount(0);
  await other.close();
});
