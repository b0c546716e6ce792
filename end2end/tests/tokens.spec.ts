import { test, expect, PASSWORD, hydrated as waitForHydration, signUp, uniqueHandle } from "./helpers";

test("sign up, create a token, use it, deactivate and delete it", async ({ page, context, request }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const handle = uniqueHandle("ada");
  await signUp(page, handle);
  await waitForHydration(page);

  // Account menu → Account Settings → Tokens
  await page.getByRole("button", { name: "Account menu" }).click();
  await expect(page.getByRole("menu")).toBeVisible();
  await page.getByRole("menuitem", { name: "Account Settings" }).click();
  await expect(page).toHaveURL(/\/settings/);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Tokens", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();

  // Generate, pick an expiry, save.
  const field = page.getByLabel("API token", { exact: true });
  await expect(field).toHaveValue("");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(field).toHaveValue(/^ast_[0-9A-Za-z]{36}$/);
  await expect(field).toHaveAttribute("type", "password");
  const secret = await field.inputValue();
  await page.getByLabel("Expiration Date").selectOption("60");
  await page.getByLabel("Name (optional)").fill("e2e");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "saved" })).toBeVisible();
  await page.getByRole("button", { name: "Reveal" }).click();
  await expect(field).toHaveAttribute("type", "text");
  // Reveal becomes Hide, which masks it again.
  await page.getByRole("button", { name: "Hide" }).click();
  await expect(field).toHaveAttribute("type", "password");
  await page.getByRole("button", { name: "Reveal" }).click();
  const row = page.getByRole("row").filter({ hasText: "e2e" });
  await expect(row).toContainText(`ast_…${secret.slice(-4)}`);
  await expect(row).toContainText("Active");
  await expect(row).toContainText("Never used");

  // Copy to Clipboard: the clipboard holds a token the API accepts.
  await page.getByRole("button", { name: "Copy to Clipboard" }).click();
  await expect(page.getByText("Copied", { exact: true })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(secret);
  const api = await request.get("/api/v1/user", { headers: { Authorization: `Bearer ${copied}` } });
  expect(api.status()).toBe(200);
  expect((await api.json()).handle).toBe(handle);
  expect(api.headers()["token-expires-at"]).toMatch(/Z$/);

  // After a reload the secret is gone; prefix…last4 remains.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel("API token", { exact: true })).toHaveValue("");
  expect(await page.content()).not.toContain(secret);
  const saved = page.getByRole("row").filter({ hasText: "e2e" });
  await expect(saved).toContainText(`ast_…${secret.slice(-4)}`);
  // Behind a load balancer the API call may have been served by another
  // instance, whose batched writer records the use within a second.
  await expect(async () => {
    await page.reload();
    await expect(saved).toContainText("from 127.0.0.1", { timeout: 500 });
  }).toPass({ timeout: 5_000 });
  await waitForHydration(page);

  // The menu answers the keyboard: arrows, Home and End.
  await saved.getByRole("button", { name: "Token actions" }).click();
  const items = page.getByRole("menu").getByRole("menuitem");
  await expect(items.first()).toBeFocused();
  await page.keyboard.press("End");
  await expect(items.last()).toBeFocused();
  await page.keyboard.press("Home");
  await expect(items.first()).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(items.nth(1)).toBeFocused();
  await page.keyboard.press("Escape");

  // Deactivate through the Token actions menu.
  await saved.getByRole("button", { name: "Token actions" }).click();
  await page.getByRole("menuitem", { name: "Deactivate" }).click();
  await expect(saved).toContainText("Deactivated");
  const refused = await request.get("/api/v1/user", { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe("token_deactivated");

  // Delete → Confirm → success, and the token is gone.
  await saved.getByRole("button", { name: "Token actions" }).click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Deleting an API token is permanent");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Token deleted" })).toBeVisible();
  await expect(dialog).toBeHidden();
  await expect(page.getByLabel("API token", { exact: true })).toHaveValue("");
  await expect(page.getByRole("row").filter({ hasText: "e2e" })).toHaveCount(0);
  const gone = await request.get("/api/v1/user", { headers: { Authorization: `Bearer ${secret}` } });
  expect((await gone.json()).error.code).toBe("invalid_token");
});

test("a 7-day token shows its expiry warning and the audit log shows the API call", async ({ page, request }) => {
  const handle = uniqueHandle("grace");
  await signUp(page, handle);
  await page.goto("/settings/tokens");
  await waitForHydration(page);

  await page.getByRole("button", { name: "Generate" }).click();
  const field = page.getByLabel("API token", { exact: true });
  await expect(field).toHaveValue(/^ast_/);
  const secret = await field.inputValue();
  await page.getByLabel("Expiration Date").selectOption("7");
  await page.getByRole("button", { name: "Save" }).click();
  const row = page.getByRole("row").filter({ hasText: `ast_…${secret.slice(-4)}` });
  await expect(row).toContainText(/Expires in (6|7) days/);
  await expect(page.locator(".banner")).toContainText("expiring soon");

  // Use the token, then find the call in the Audit Log.
  const api = await request.get("/api/v1/tokens", {
    headers: { Authorization: `Bearer ${secret}`, "User-Agent": "e2e-client/1.0" },
  });
  expect(api.status()).toBe(200);
  await page.getByRole("link", { name: "Audit Log", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  const event = page.getByRole("row").filter({ hasText: "GET /api/v1/tokens" });
  await expect(event).toContainText("API request");
  await expect(event).toContainText("e2e-client/1.0");
  await expect(event).toContainText(`ast_…${secret.slice(-4)}`);

  // Filter to token creation only.
  await page.getByLabel("Action").selectOption("token_created");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=token_created/);
  await expect(page.getByRole("row").filter({ hasText: "GET /api/v1/tokens" })).toHaveCount(0);
  await expect(page.getByRole("row").filter({ hasText: "Token created" })).toHaveCount(1);

  // The CSV export holds the same.
  const csvHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  const csv = await page.request.get(csvHref!);
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).trim().split("\n");
  expect(lines[0]).toBe("id,created_at,action,token,method,host,path,status,ip,user_agent,detail");
  expect(lines.length).toBe(2);
  expect(lines[1]).toContain("token_created");
});

test("the expiry warning counts down while the page is open, then says Expired", async ({ page }) => {
  // The browser's clock runs on, faked: the page is never reloaded.
  await page.clock.install();
  await signUp(page, uniqueHandle("clock"));
  await page.goto("/settings/tokens");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByLabel("API token", { exact: true })).toHaveValue(/^ast_/);
  await page.getByLabel("Expiration Date").selectOption("7");
  await page.getByRole("button", { name: "Save" }).click();
  const row = page.getByRole("row").filter({ hasText: "Unnamed" });
  await expect(row).toContainText(/Expires in (6|7) days/);
  await expect(row).toContainText("Active");

  await page.clock.fastForward(4 * 86_400_000); // four days
  await expect(row).toContainText(/Expires in (2|3) days/);
  await expect(page.locator(".banner")).toContainText(/expires in (2|3) days/);

  await page.clock.fastForward(4 * 86_400_000); // past the expiry
  await expect(row).toContainText("Expired");
  await expect(row.locator("[data-expires-status]")).toHaveText("Expired");
});

test("wrong credentials give one generic message; sign out ends the session", async ({ page }) => {
  const handle = uniqueHandle("linus");
  await signUp(page, handle);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/settings/tokens");
  await expect(page).toHaveURL(/\/login$/);

  await waitForHydration(page);
  await page.getByLabel("Email or handle").fill(handle);
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email, handle or password");

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await expect(page.getByRole("button", { name: "Account menu" })).toBeVisible();
});

test("scopes, Details and Regenerate with a 1-hour grace", async ({ page, context, request }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signUp(page, uniqueHandle("rota"));
  await page.goto("/settings/tokens");
  await waitForHydration(page);

  // The read scopes are chosen for a new token; writing is opt-in.
  const scopes = page.getByRole("group", { name: "Scopes" });
  await expect(scopes.getByLabel("user:read")).toBeChecked();
  await expect(scopes.getByLabel("tokens:read")).toBeChecked();
  await expect(scopes.getByLabel("audit:read")).toBeChecked();
  await expect(scopes.getByLabel("user:write")).not.toBeChecked();
  await expect(scopes.getByLabel("tokens:write")).not.toBeChecked();

  await page.getByRole("button", { name: "Generate" }).click();
  const field = page.getByLabel("API token", { exact: true });
  await expect(field).toHaveValue(/^ast_/);
  const old = await field.inputValue();
  await page.getByLabel("Name (optional)").fill("reader");
  await page.getByRole("button", { name: "Save" }).click();
  const row = page.getByRole("row").filter({ hasText: "reader" });
  await expect(row).toContainText("user:read");
  await expect(row).not.toContainText("user:write");

  // A read-only token may read the profile but not change it.
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  const patch = await request.patch("/api/v1/user", {
    headers: bearer(old),
    data: { display_name: "Changed" },
  });
  expect(patch.status()).toBe(403);
  expect((await patch.json()).error.code).toBe("insufficient_scope");
  expect(patch.headers()["www-authenticate"]).toContain('scope="user:write"');
  expect((await request.get("/api/v1/user", { headers: bearer(old) })).status()).toBe(200);

  // Details lists the address it was used from (recorded within a second,
  // on whichever instance served the call).
  await expect(async () => {
    await page.reload();
    await waitForHydration(page);
    await row.getByRole("button", { name: "Token actions" }).click();
    await page.getByRole("menuitem", { name: "Details" }).click();
    const details = page.getByRole("dialog");
    await expect(details).toContainText("127.0.0.1", { timeout: 500 });
    await details.getByRole("button", { name: "Close" }).click();
    await expect(details).toBeHidden();
  }).toPass({ timeout: 10_000 });

  // Regenerate, the old secret working for one more hour.
  await row.getByRole("button", { name: "Token actions" }).click();
  await page.getByRole("menuitem", { name: "Regenerate" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText(`ast_…${old.slice(-4)}`);
  await dialog.getByLabel("The old secret stops working").selectOption({ label: "After 1 hour" });
  await dialog.getByRole("button", { name: "Regenerate" }).click();
  const secret = dialog.getByLabel("New secret");
  await expect(secret).toHaveValue(/^ast_[0-9A-Za-z]{36}$/);
  await expect(secret).toHaveAttribute("type", "password");
  await dialog.getByRole("button", { name: "Reveal" }).click();
  await expect(secret).toHaveAttribute("type", "text");
  await expect(dialog.getByRole("button", { name: "Hide" })).toBeVisible();
  const fresh = await secret.inputValue();
  expect(fresh).not.toBe(old);
  await expect(dialog).toContainText("keeps working until");
  await dialog.getByRole("button", { name: "Copy to Clipboard" }).click();
  await expect(dialog.getByText("Copied", { exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fresh);

  // Both secrets work; the old one says when it stops.
  const withOld = await request.get("/api/v1/user", { headers: bearer(old) });
  expect(withOld.status()).toBe(200);
  const stops = Date.parse(withOld.headers()["token-expires-at"]);
  expect(stops - Date.now()).toBeGreaterThan(55 * 60_000);
  expect(stops - Date.now()).toBeLessThan(61 * 60_000);
  expect((await request.get("/api/v1/user", { headers: bearer(fresh) })).status()).toBe(200);

  // Done: the dialog forgets the secret and the row shows the new one.
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText(`ast_…${fresh.slice(-4)}`);
  expect(await page.content()).not.toContain(fresh);
});

test("a generated token cannot be copied or lost before Save, and the form folds away after", async ({ page }) => {
  await signUp(page, uniqueHandle("seed"));
  await page.goto("/settings/tokens");
  await waitForHydration(page);
  const field = page.getByLabel("API token", { exact: true });
  const reveal = page.getByRole("button", { name: "Reveal" });
  const copy = page.getByRole("button", { name: "Copy to Clipboard" });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(field).toHaveValue(/^ast_/);
  const first = await field.inputValue();
  await expect(reveal).toBeDisabled();
  await expect(copy).toBeDisabled();
  await expect(page.getByText("Not valid until you Save")).toBeVisible();

  // Enter in the field saves nothing.
  await field.press("Enter");
  await page.waitForTimeout(500);
  await expect(page.getByText("You have no tokens yet.")).toBeVisible();

  // Generating again says it replaces the unsaved token.
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("status").filter({ hasText: "replaced the unsaved one" })).toBeVisible();
  await expect(field).not.toHaveValue(first);

  // Leaving asks first (and staying keeps the token).
  const asked = new Promise<string>((resolve) =>
    page.once("dialog", async (d) => {
      resolve(d.type());
      await d.dismiss();
    }),
  );
  await page.getByRole("link", { name: "Profile", exact: true }).click();
  expect(await asked).toBe("beforeunload");
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  await expect(field).toHaveValue(/^ast_/);

  // Saved: Reveal and Copy work, the settings fold away.
  await page.getByRole("button", { name: "Save" }).click();
  await expect(reveal).toBeEnabled();
  await expect(copy).toBeEnabled();
  await expect(page.getByLabel("Expiration Date")).toBeHidden();
  await expect(page.getByRole("button", { name: "Save" })).toBeHidden();

  // The second token reaches the limit: the notice, and nothing to edit.
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByLabel("Expiration Date")).toBeVisible();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("the most allowed")).toBeVisible();
  await expect(page.getByLabel("Expiration Date")).toBeHidden();
  await expect(page.getByLabel("Name (optional)")).toBeHidden();
  await expect(page.getByRole("button", { name: "Generate" })).toBeDisabled();
  await expect(copy).toBeEnabled();

  // Nothing unsaved: leaving does not ask.
  page.once("dialog", (d) => {
    throw new Error(`unexpected ${d.type()} dialog`);
  });
  await page.getByRole("link", { name: "Profile", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
});

test("the expiry banner names active tokens, links elsewhere only, and can be dismissed", async ({ page }) => {
  await signUp(page, uniqueHandle("banner"));
  await page.goto("/settings/tokens");
  await waitForHydration(page);
  for (const name of ["CI deploy", "Old laptop"]) {
    await page.getByRole("button", { name: "Generate" }).click();
    await expect(page.getByLabel("Expiration Date")).toBeVisible();
    await page.getByLabel("Expiration Date").selectOption("7");
    await page.getByLabel("Name (optional)").fill(name);
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("row").filter({ hasText: name })).toBeVisible();
  }
  const banner = page.locator(".banner");
  await expect(banner).toContainText(/CI deploy \(ast_…\w{4}\)/);
  await expect(banner).toContainText("Old laptop");
  // On the Tokens page it does not link to itself.
  await expect(banner.getByRole("link")).toHaveCount(0);

  // A deactivated token is neither in the banner nor counting down.
  const old = page.getByRole("row").filter({ hasText: "Old laptop" });
  await old.getByRole("button", { name: "Token actions" }).click();
  await page.getByRole("menuitem", { name: "Deactivate" }).click();
  await expect(old).toContainText("Deactivated");
  await expect(banner).not.toContainText("Old laptop");
  await expect(old).not.toContainText("Expires in");

  // Elsewhere it links to the Tokens page; Dismiss hides it until the
  // browser closes.
  await page.goto("/settings/profile");
  await waitForHydration(page);
  await expect(banner.getByRole("link", { name: "Review your tokens" })).toBeVisible();
  await banner.getByRole("button", { name: /Dismiss/ }).click();
  await expect(banner).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await expect(banner).toHaveCount(0);
});

test("offline, a failed request says so in words, not in the transport's", async ({ page, context }) => {
  await signUp(page, uniqueHandle("offline"));
  await waitForHydration(page);
  const unreachable = "Could not reach the server. Check your connection and try again.";

  // A form sent with fetch (Profile's Save).
  await page.getByLabel("First name").fill("Off");
  await page.getByLabel("Last name").fill("Line");
  await page.getByLabel("Display name").fill("Offline");
  await context.setOffline(true);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText(unreachable)).toBeVisible();
  await context.setOffline(false);

  // An island's own call (the token form's Save).
  await page.goto("/settings/tokens");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByLabel("API token", { exact: true })).toHaveValue(/^ast_/);
  await context.setOffline(true);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(unreachable)).toBeVisible();
  await expect(page.getByText("Failed to fetch")).toHaveCount(0);
  await expect(page.getByText("error reaching server")).toHaveCount(0);
  await context.setOffline(false);
});

test("the platform's own scope is offered, saved on a token, and opens the service behind nginx", async ({ page, request }) => {
  // Both runs serve tests/balanced/platform.toml; the second also has the
  // platform's service behind nginx's forward auth (tools/balanced.sh).
  await signUp(page, uniqueHandle("plat"));
  await page.goto("/settings/tokens");
  await waitForHydration(page);
  const scopes = page.getByRole("group", { name: "Scopes" });
  const admin = scopes.getByLabel("things:admin");
  await expect(admin).not.toBeChecked();
  await expect(scopes).toContainText("Administer the things");
  await admin.check();
  await scopes.getByLabel("tokens:read").uncheck();
  const field = page.getByLabel("API token", { exact: true });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(field).toHaveValue(/^ast_/);
  await page.getByLabel("Name (optional)").fill("platform");
  await page.getByRole("button", { name: "Save" }).click();
  const row = page.getByRole("row").filter({ hasText: "platform" });
  await expect(row).toContainText("things:admin");
  await expect(row).not.toContainText("tokens:read");
  const token = await field.inputValue();

  const listed = await request.get("/api/v1/scopes", { headers: { Authorization: `Bearer ${token}` } });
  expect(listed.status()).toBe(200);
  expect((await listed.json()).scopes).toContainEqual({
    name: "things:admin",
    description: "Administer the things",
    built_in: false,
  });
  if (!process.env.E2E_EXTERNAL) return;
  const service = `http://127.0.0.1:${Number(process.env.E2E_PORT) + 5}`;
  const through = await request.get(`${service}/v1/admin/things`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(through.status()).toBe(200);
  const echoed = await through.text();
  expect(echoed).toContain("scopes=user:read audit:read things:admin ");
  expect(echoed).toContain("auth=[]");
  expect((await request.get(`${service}/v1/admin/things`)).status()).toBe(401);
});
