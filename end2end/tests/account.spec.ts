import { Browser } from "@playwright/test";
import { test, expect, PASSWORD, hydrated, signUp, newContext, uniqueHandle } from "./helpers";

// A 1×1 PNG.
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

async function signIn(browser: Browser, handle: string) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email or handle").fill(handle);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await hydrated(page);
  return { context, page };
}

test("edit and save the profile", async ({ page }) => {
  const handle = uniqueHandle("grace");
  await signUp(page, handle);
  await expect(page.getByRole("heading", { name: "Profile", exact: true })).toBeVisible();
  await page.getByLabel("First name").fill("Grace");
  await page.getByLabel("Last name").fill("Hopper");
  await page.getByLabel("Display name").fill("Amazing Grace");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();
  // The header shows the new name and initials; a reload keeps them.
  await expect(page.locator(".account-name")).toHaveText("Amazing Grace");
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Display name")).toHaveValue("Amazing Grace");
  await expect(page.getByRole("button", { name: "Account menu" })).toContainText("AG");

  // A bad value is refused beside its field, before anything is sent.
  await page.getByLabel("First name").fill("");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.locator("#first_name-error")).toHaveText("Enter a first name.");

  // A new email address asks for the current password.
  await page.getByLabel("First name").fill("Grace");
  await page.getByLabel("Email").fill(`${handle}@navy.example`);
  const current = page.getByLabel("Current password");
  await expect(current).toBeVisible();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.locator("#current_password-error")).toContainText("current password");
  await current.fill(PASSWORD);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Profile saved." }).last()).toBeVisible();
  // The new address is used once its mailed link is opened (mail.spec.ts).
  await expect(page.getByText(`Waiting for you to confirm ${handle}@navy.example`)).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Email")).toHaveValue(`${handle}@example.com`);
});

test("upload an avatar by file picker and by drag and drop; a too-large file shows the limit", async ({ page }) => {
  await signUp(page, uniqueHandle("avatar"));
  const menuButton = page.getByRole("button", { name: "Account menu" });
  await expect(menuButton.locator("img")).toHaveCount(0);

  // File picker.
  await page.getByRole("button", { name: "Edit Avatar" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit avatar" });
  await expect(dialog).toBeVisible();
  const chooser = page.waitForEvent("filechooser");
  await dialog.getByRole("button", { name: "Choose file" }).click();
  await (await chooser).setFiles({ name: "me.png", mimeType: "image/png", buffer: Buffer.from(PNG_BASE64, "base64") });
  await expect(dialog.getByRole("img", { name: "Avatar preview" })).toBeVisible();
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Avatar saved." })).toBeVisible();
  await expect(menuButton.locator("img")).toHaveAttribute("src", /^\/avatars\/[0-9a-f]{32}\.png$/);
  const first = await menuButton.locator("img").getAttribute("src");

  // Drag and drop.
  await page.getByRole("button", { name: "Edit Avatar" }).click();
  const dataTransfer = await page.evaluateHandle((b64) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
    return dt;
  }, PNG_BASE64);
  await page.getByTestId("drop-zone").dispatchEvent("drop", { dataTransfer });
  await expect(dialog.getByRole("img", { name: "Avatar preview" })).toBeVisible();
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(menuButton.locator("img")).not.toHaveAttribute("src", first!);

  // Too large: the dialog names the limit and nothing changes.
  await page.getByRole("button", { name: "Edit Avatar" }).click();
  const chooser2 = page.waitForEvent("filechooser");
  await dialog.getByRole("button", { name: "Choose file" }).click();
  const big = Buffer.concat([Buffer.from(PNG_BASE64, "base64"), Buffer.alloc(3 * 1024 * 1024)]);
  await (await chooser2).setFiles({ name: "big.png", mimeType: "image/png", buffer: big });
  await expect(dialog.getByRole("alert")).toContainText("the limit is 2 MiB");

  // A file that only claims to be an image: the server refuses it.
  const chooser3 = page.waitForEvent("filechooser");
  await dialog.getByRole("button", { name: "Choose file" }).click();
  await (await chooser3).setFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("not an image at all") });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByRole("alert")).toContainText("not a PNG, JPEG, GIF or WebP image");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(menuButton.locator("img")).toHaveAttribute("src", /^\/avatars\//);
});

test("rotate the database password; Copy to Clipboard holds the new connection string", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const handle = uniqueHandle("db");
  await signUp(page, handle);
  const field = page.getByLabel("Connection string");
  await expect(field).toHaveValue(new RegExp(`^postgres://${handle}:•+@${handle}\\.`));
  await page.getByRole("button", { name: "Reveal" }).click();
  const before = await field.inputValue();
  expect(before).toMatch(new RegExp(`^postgres://${handle}:[0-9A-Za-z]{32}@${handle}\\..+:9193/${handle}$`));

  await page.getByRole("button", { name: "Rotate Password" }).click();
  const dialog = page.getByRole("dialog", { name: "Rotate database password?" });
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Database password rotated" })).toBeVisible();
  await expect(field).not.toHaveValue(before);
  const after = await field.inputValue();
  expect(after).toMatch(/^postgres:\/\/.+:[0-9A-Za-z]{32}@/);

  await page.getByRole("button", { name: "Copy to Clipboard" }).click();
  await expect(page.getByText("Copied", { exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(after);
  // Shown again after a reload: the same, new one.
  await page.reload();
  await hydrated(page);
  await page.getByRole("button", { name: "Reveal" }).click();
  await expect(field).toHaveValue(after);
});

test("sign out another session from a second browser", async ({ page, browser }) => {
  const handle = uniqueHandle("sess");
  await signUp(page, handle);
  const other = await signIn(browser, handle);

  await page.goto("/settings/security");
  await hydrated(page);
  const rows = page.getByRole("row").filter({ has: page.getByRole("cell") });
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "This session" })).toHaveCount(1);
  const otherRow = rows.filter({ hasNotText: "This session" });
  await otherRow.getByRole("button", { name: /^Sign out .+, last seen / }).click();
  await expect(page.getByRole("status").filter({ hasText: "Session signed out." })).toBeVisible();
  await expect(rows).toHaveCount(1);

  await other.page.goto("/settings/profile");
  await expect(other.page).toHaveURL(/\/login$/);
  await other.context.close();
});

test("change the handle after a preview", async ({ page }) => {
  const handle = uniqueHandle("old");
  const renamed = uniqueHandle("new");
  await signUp(page, handle);
  await page.goto("/settings/advanced");
  await hydrated(page);
  await page.getByLabel("Handle", { exact: true }).fill(renamed);
  await page.getByRole("button", { name: "Save" }).click();
  const dialog = page.getByRole("dialog", { name: "Change your handle?" });
  await expect(dialog).toContainText(`${handle} → ${renamed}`);
  await expect(dialog).toContainText(`${handle}.`);
  await dialog.getByRole("button", { name: "Change handle" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Your handle is now ${renamed}.` })).toBeVisible();
  await page.goto("/settings/profile");
  await hydrated(page);
  await page.getByRole("button", { name: "Reveal" }).click();
  await expect(page.getByLabel("Connection string")).toHaveValue(new RegExp(`^postgres://${renamed}:`));
});

test("delete the account by typing the handle and land signed out", async ({ page, request }) => {
  const handle = uniqueHandle("bye");
  await signUp(page, handle);
  await page.goto("/settings/advanced");
  await hydrated(page);
  await page.getByRole("button", { name: "Delete Personal Account" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete your account?" });
  const del = dialog.getByRole("button", { name: "Delete account", exact: true });
  await dialog.getByLabel(/Type your handle/).fill(handle.toUpperCase());
  await dialog.getByLabel("Current password").fill(PASSWORD);
  await expect(del).toBeDisabled();
  await dialog.getByLabel(/Type your handle/).fill(handle);
  // A refusal inside the dialog looks like one on a page: in the danger colour.
  await dialog.getByLabel("Current password").fill("not the password");
  await del.click();
  const refusal = dialog.locator(".form-error, .field-error").filter({ hasText: /password/i });
  await expect(refusal).toBeVisible();
  const [color, danger] = await refusal.evaluate((el) => {
    const probe = document.createElement("span");
    probe.style.color = "var(--danger)";
    document.body.append(probe);
    const want = getComputedStyle(probe).color;
    probe.remove();
    return [getComputedStyle(el).color, want];
  });
  expect(color).toBe(danger);
  await dialog.getByLabel("Current password").fill(PASSWORD);
  await del.click();
  // It ends on a page that says what happened.
  await expect(page).toHaveURL(/\/login\?deleted=1$/);
  await expect(page.getByRole("status").filter({ hasText: "Your account was deleted" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Account menu" })).toHaveCount(0);
  await page.goto("/settings/profile");
  await expect(page).toHaveURL(/\/login$/);
  // The account is gone: signing in fails.
  await page.getByLabel("Email or handle").fill(handle);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Invalid email, handle or password" })).toBeVisible();
});

test("every settings page loads and hydrates without an error", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    // A refused request shows as a console error too; only panics count.
    if (m.type() === "error" && m.text().includes("panicked")) errors.push(`${page.url()}: ${m.text().split("\n")[0]}`);
  });
  await signUp(page, uniqueHandle("pages"));
  const pages = ["/settings/profile", "/settings/tokens", "/settings/audit-log", "/settings/security", "/settings/advanced"];
  for (let round = 0; round < 3; round++) {
    for (const path of pages) {
      await page.goto(path);
      await hydrated(page);
      await page.waitForLoadState("networkidle");
    }
  }
  expect(errors).toEqual([]);
  // Hydrated for real: the profile form reacts to typing.
  await page.goto("/settings/profile");
  await hydrated(page);
  await page.getByLabel("Email").fill("someone-else@example.com");
  await expect(page.getByLabel("Current password")).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign-up, the account menu, dialogs and sign-out work as plain HTML", async ({ page }) => {
    const handle = uniqueHandle("nojs");
    await signUp(page, handle, false);

    // A profile change is a plain form post; the server sends the page back.
    await page.getByLabel("First name").fill("No");
    await page.getByLabel("Last name").fill("Script");
    await page.getByLabel("Display name").fill("No Script");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.locator(".account-name")).toHaveText("No Script");

    // The dialog opens and closes through the browser's invoker commands.
    await page.goto("/settings/advanced");
    await page.getByRole("button", { name: "Delete Personal Account" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete your account?" });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();

    // The account menu is a popover; Sign out is a form.
    await page.getByRole("button", { name: "Account menu" }).click();
    await expect(page.getByRole("menu")).toBeVisible();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/settings/profile");
    await expect(page).toHaveURL(/\/login$/);
  });

  test("a refused form says why, on its own page", async ({ page }) => {
    const handle = uniqueHandle("nojsrefused");
    await signUp(page, handle, false);
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);

    await page.getByLabel("Email or handle").fill(handle);
    await page.getByLabel("Password").fill("not the password at all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(
      page.getByRole("alert").filter({ hasText: "Invalid email, handle or password" }),
    ).toBeVisible();
    // Shown once: a reload shows the form as new.
    await page.reload();
    await expect(page.getByText(/Invalid email, handle or password/)).toHaveCount(0);
  });
});

test("every label looks alike, and dark mode's danger button is readable", async ({ page }) => {
  await signUp(page, uniqueHandle("looks"));
  const style = (name: string) =>
    page.getByText(name, { exact: true }).first().evaluate((el) => {
      const s = getComputedStyle(el);
      return [s.fontWeight, s.fontSize];
    });
  const firstName = await style("First name");
  expect(await style("Connection string")).toEqual(firstName);

  // WCAG contrast of a danger button's text on its background.
  const contrast = () =>
    page.locator(".button.danger").first().evaluate((el) => {
      const rgb = (c: string) => c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const s = getComputedStyle(el);
      const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
      return (a + 0.05) / (b + 0.05);
    });
  await page.goto("/settings/advanced");
  expect(await contrast()).toBeGreaterThanOrEqual(4.5);
  await page.emulateMedia({ colorScheme: "dark" });
  expect(await contrast()).toBeGreaterThanOrEqual(4.5);
});
