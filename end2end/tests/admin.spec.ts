import { test, expect, focused, hydrated, makeAdmin, signIn, signUp, newContext, uniqueHandle } from "./helpers";

test("an administrator creates, disables and enables a user", async ({ page, browser }) => {
  const admin = makeAdmin();
  await signIn(page, admin);

  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();

  const handle = uniqueHandle("new");
  // Create user has Cancel, which closes it and gives the focus back.
  await page.getByRole("button", { name: "Create user" }).click();
  const dialog = page.getByRole("dialog", { name: "Create user" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: "Create user" })).toBeFocused();
  await page.getByRole("button", { name: "Create user" }).click();
  await dialog.getByLabel("Handle").fill(handle);
  await dialog.getByLabel("Email").fill(`${handle}@example.com`);
  await dialog.getByLabel("First name").fill("Nora");
  await dialog.getByLabel("Last name").fill("New");
  await dialog.getByRole("button", { name: "Create" }).click();
  const initial = page.getByTestId("initial-password");
  await expect(initial).toHaveText(/^[0-9A-Za-z]{20}$/);
  const password = (await initial.textContent())!;

  // The new user signs in with the one-time password.
  const other = await newContext(browser);
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
  // Disable asks first; Cancel changes nothing and gives the focus back.
  await row.getByRole("button", { name: `Disable ${handle}` }).click();
  const ask = page.getByRole("dialog", { name: `Disable ${handle}?` });
  await expect(ask).toContainText("their API tokens stop working");
  await ask.getByRole("button", { name: "Cancel" }).click();
  await expect(ask).toBeHidden();
  await expect(row.getByRole("button", { name: `Disable ${handle}` })).toBeFocused();
  await expect(row).toContainText("Active");
  await row.getByRole("button", { name: `Disable ${handle}` }).click();
  await ask.getByRole("button", { name: "Disable user" }).click();
  await expect(row).toContainText("Disabled");
  // After the page reloads, the focus is on the row's Enable.
  await expect(row.getByRole("button", { name: `Enable ${handle}` })).toBeFocused();
  await userPage.goto("/settings/profile");
  await expect(userPage).toHaveURL(/\/login$/);

  await row.getByRole("button", { name: `Enable ${handle}` }).click();
  await expect(row).toContainText("Active");
  await expect.poll(() => focused(page)).toMatch(/^user-toggle-\d+$/);
  await signIn(userPage, handle, password);
  await other.close();
});

test("the Users page is not found for other users", async ({ page }) => {
  await signUp(page, uniqueHandle("plain"));
  const res = await page.goto("/admin/users");
  expect(res!.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("an administrator makes a service, whose secret introspects a token once shown, and revokes it", async ({ page, request }) => {
  const admin = makeAdmin();
  await signIn(page, admin);
  await page.goto("/admin/users");
  await hydrated(page);
  const services = page.getByRole("region", { name: "Services" });
  const name = uniqueHandle("svc");
  await services.getByLabel("Service name").fill(name);
  await services.getByRole("button", { name: "Create service" }).click();
  const clientId = (await page.getByTestId("service-client-id").textContent())!;
  const secret = (await page.getByTestId("service-secret").textContent())!;
  expect(clientId).toMatch(/^svc_[a-z0-9]{16}$/);
  expect(secret).toMatch(/^[0-9A-Za-z]{40}$/);
  const basic = "Basic " + Buffer.from(`${clientId}:${secret}`).toString("base64");
  const asked = await request.post("/oauth/introspect", {
    headers: { Authorization: basic },
    form: { token: "ast_not_a_token" },
  });
  expect(asked.status()).toBe(200);
  expect(await asked.json()).toEqual({ active: false });

  // Done: the list shows it, never its secret again.
  await page.getByRole("button", { name: "Done" }).click();
  await hydrated(page);
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText(clientId);
  await expect(row).toContainText("Active");
  await expect(page.getByText(secret)).toHaveCount(0);
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Revoke ${name}?` });
  await dialog.getByRole("button", { name: "Revoke service" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Service ${name} revoked.` })).toBeVisible();
  const refused = await request.post("/oauth/introspect", {
    headers: { Authorization: basic },
    form: { token: "ast_not_a_token" },
  });
  expect(refused.status()).toBe(401);
});
