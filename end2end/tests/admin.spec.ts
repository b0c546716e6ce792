import { test, expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";

const PASSWORD = "correct horse battery staple";

function uniqueHandle(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: "attached" });
}

async function signIn(page: Page, handle: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email or handle").fill(handle);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await hydrated(page);
}

test("an administrator creates, disables and enables a user", async ({ page, browser }) => {
  const dataDir = process.env.E2E_DATA_DIR;
  const bin = process.env.E2E_BIN;
  if (!dataDir || !bin) throw new Error("run through tools/test.sh: it sets E2E_DATA_DIR and E2E_BIN");
  const admin = uniqueHandle("admin");
  execFileSync(bin!, ["user", "create", "--handle", admin, "--email", `${admin}@example.com`, "--admin"], {
    input: PASSWORD,
    env: { ...process.env, DATA_DIR: dataDir },
  });
  await signIn(page, admin, PASSWORD);

  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();

  const handle = uniqueHandle("new");
  await page.getByRole("button", { name: "Create user" }).click();
  const dialog = page.getByRole("dialog", { name: "Create user" });
  await dialog.getByLabel("Handle").fill(handle);
  await dialog.getByLabel("Email").fill(`${handle}@example.com`);
  await dialog.getByLabel("First name").fill("Nora");
  await dialog.getByLabel("Last name").fill("New");
  await dialog.getByRole("button", { name: "Create" }).click();
  const initial = page.getByTestId("initial-password");
  await expect(initial).toHaveText(/^[0-9A-Za-z]{20}$/);
  const password = (await initial.textContent())!;

  // The new user signs in with the one-time password.
  const other = await browser.newContext();
  const userPage = await other.newPage();
  await signIn(userPage, handle, password);

  // A search that finds nobody says so.
  await page.getByRole("searchbox", { name: "Search users" }).fill("nobody-by-this-name");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No users match “nobody-by-this-name”.")).toBeVisible();
  await expect(page.getByText("user(s)")).toHaveCount(0);

  // Disable: their session ends at once.
  await page.getByRole("searchbox", { name: "Search users" }).fill(handle);
  await page.getByRole("button", { name: "Search" }).click();
  await hydrated(page);
  const row = page.getByRole("row").filter({ hasText: handle });
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row).toContainText("Disabled");
  await userPage.goto("/settings/profile");
  await expect(userPage).toHaveURL(/\/login$/);

  await row.getByRole("button", { name: "Enable" }).click();
  await expect(row).toContainText("Active");
  await signIn(userPage, handle, password);
  await other.close();
});

test("the Users page is not found for other users", async ({ page }) => {
  const handle = uniqueHandle("plain");
  await page.goto("/signup");
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Email").fill(`${handle}@example.com`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  const res = await page.goto("/admin/users");
  expect(res!.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
