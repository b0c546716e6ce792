// The interface as a new user meets it: phones, first clicks on a slow
// link, the keyboard's focus, dialogs and messages.
import { Page, Browser } from "@playwright/test";
import { test, expect, focused, hydrated, makeAdmin, saveToken, signIn, signUp, uniqueHandle, watchPolicy, SETTINGS_PAGES } from "./helpers";

const PHONE = { width: 390, height: 844 };

/** What does not fit a phone on this page: sideways overflow, and every
 * shown button or link smaller than 44 × 44 px to tap. */
async function phoneProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (overflow > 0) problems.push(`page scrolls sideways by ${overflow}px`);
    for (const el of document.querySelectorAll<HTMLElement>("button, a[href], [role=button]")) {
      const r = el.getBoundingClientRect();
      // Not rendered (closed dialogs and menus), or out of sight until
      // focused (the skip link).
      if (r.width === 0 || r.height === 0 || r.bottom <= 0) continue;
      if (r.right > window.innerWidth + 0.5) problems.push(`"${el.textContent?.trim()}" is off-screen`);
      if (r.width < 44 || r.height < 44) {
        const name = el.getAttribute("aria-label") || el.textContent?.trim();
        problems.push(`"${name}" is ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
    }
    return problems;
  });
}

async function phone(browser: Browser) {
  const context = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
  const violations = watchPolicy(context);
  return { context, violations, page: await context.newPage() };
}

test("on a phone every page fits: no sideways scrolling, tables as cards, targets of 44 px", async ({ browser }) => {
  const admin = makeAdmin();
  const { context, violations, page } = await phone(browser);
  for (const path of ["/login", "/signup", "/forgot-password"]) {
    await page.goto(path);
    await hydrated(page);
    expect(await phoneProblems(page), path).toEqual([]);
  }
  await signIn(page, admin);
  await page.goto("/settings/tokens");
  await hydrated(page);
  await saveToken(page, "a rather long token name for a phone screen");
  await page.goto("/settings/tokens");
  await hydrated(page);
  // The row is a card: every column on screen, labelled.
  const row = page.locator("tr", { hasText: "a rather long token name" });
  const cells = await row.locator("td").evaluateAll((tds) =>
    tds.map((td) => ({
      label: getComputedStyle(td, "::before").content,
      right: td.getBoundingClientRect().right,
    })),
  );
  expect(cells.map((c) => c.label)).toEqual([
    '"Name"', '"Token"', '"Created"', '"Expires"', '"Last used"', '"Status"', "none",
  ]);
  for (const c of cells) expect(c.right, c.label).toBeLessThanOrEqual(PHONE.width);
  await expect(row).toContainText("Never used");
  await expect(row).toContainText("Active");
  const menu = (await row.getByRole("button", { name: /^Token actions/ }).boundingBox())!;
  expect(menu.x + menu.width).toBeLessThanOrEqual(PHONE.width);
  for (const path of [...SETTINGS_PAGES, "/admin/users"]) {
    await page.goto(path);
    await hydrated(page);
    expect(await phoneProblems(page), path).toEqual([]);
    // One spelling of email, and no "(s)".
    expect(await page.locator("body").innerText(), path).not.toMatch(/e-mail|\(s\)/i);
  }
  // An open menu's items are tall enough to tap too.
  await page.goto("/settings/tokens");
  await hydrated(page);
  await page.getByRole("button", { name: /^Token actions/ }).click();
  await expect(page.getByRole("menuitem", { name: "Delete" })).toBeVisible();
  expect(await phoneProblems(page)).toEqual([]);
  expect(violations).toEqual([]);
  await context.close();
});

test("the browser refuses an inline script the page did not bring (Content-Security-Policy)", async ({ browser }) => {
  const context = await browser.newContext();
  const violations = watchPolicy(context);
  const page = await context.newPage();
  await page.goto("/login");
  await hydrated(page);
  expect(violations).toEqual([]);
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.injected = true";
    document.head.appendChild(s);
  });
  expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  await context.close();
});

test("a click on an island's control before it is interactive is not lost (slow link, 20 times)", async ({ page, context }) => {
  test.setTimeout(300_000);
  await signUp(page, uniqueHandle("slow"));
  // Leaving with an unsaved token asks first: go anyway.
  page.on("dialog", (d) => d.accept());
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  // A first visit: nothing in the browser's cache.
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 100,
    downloadThroughput: 1_600_000 / 8,
    uploadThroughput: 750_000 / 8,
  });
  const field = page.getByLabel("API token", { exact: true });
  // Shown means painted: the stylesheet blocks the first paint, so no
  // person can click before it has arrived. (Playwright can: it finds the
  // button's box before the styles move it, and its click can then land
  // beside the button.) The click is held by an inline script: a page
  // whose policy did not name that script's nonce lost it, which the
  // policy guard now reports as such.
  const painted = () =>
    page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('link[rel="stylesheet"]')).every(
          (l) => (l as HTMLLinkElement).sheet !== null,
        ),
      undefined,
      { polling: "raf" },
    );
  let heldAtLeastOnce = false;
  for (let i = 0; i < 20; i++) {
    await page.goto("/settings/tokens", { waitUntil: "commit" });
    await painted();
    // Clicked as soon as it is shown.
    await page.getByRole("button", { name: "Generate" }).click();
    heldAtLeastOnce ||= !(await page.evaluate(() => document.body.hasAttribute("data-hydrated")));
    await expect(field, `try ${i + 1}`).toHaveValue(/^ast_/, { timeout: 30_000 });

    await page.goto("/settings/profile", { waitUntil: "commit" });
    await painted();
    await page.getByRole("button", { name: "Edit Avatar" }).click();
    await expect(page.getByRole("dialog", { name: "Edit avatar" }), `try ${i + 1}`).toBeVisible({ timeout: 30_000 });
  }
  // The clicks did come before the islands were ready (else this proves nothing).
  expect(heldAtLeastOnce).toBe(true);
});

test("the keyboard: a skip link, and focus back where it was after menus, dialogs and changes", async ({ page }) => {
  await signUp(page, uniqueHandle("keys"));
  await page.goto("/settings/tokens");
  await hydrated(page);

  // "Skip to content" comes first and lands on the page itself.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  expect(await focused(page)).toBe("main");

  // Generate keeps the focus; Save gives it to the saved token.
  const generate = page.getByRole("button", { name: "Generate" });
  await generate.focus();
  await page.keyboard.press("Enter");
  const field = page.getByLabel("API token", { exact: true });
  await expect(field).toHaveValue(/^ast_/);
  await expect(generate).toBeFocused();
  await page.getByLabel("Name (optional)").fill("keyboard");
  await page.getByRole("button", { name: "Save" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "saved" })).toBeVisible();
  await expect(field).toBeFocused();

  await page.goto("/settings/tokens");
  await hydrated(page);
  const actions = page.getByRole("button", { name: /^Token actions/ });
  const actionsId = (await actions.getAttribute("id"))!;
  const openMenu = async () => {
    await page.locator(`#${actionsId}`).focus();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("menuitem", { name: "Details" })).toBeFocused();
  };

  // Escape out of the Delete dialog: back on the row's ⋯.
  await openMenu();
  await page.keyboard.press("End");
  await expect(page.getByRole("menuitem", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Enter");
  const ask = page.getByRole("dialog", { name: /^Delete keyboard \(ast_…/ });
  await expect(ask).toBeVisible();
  await expect(ask).toContainText("is refused from now on");
  await page.keyboard.press("Escape");
  await expect(ask).toBeHidden();
  await expect.poll(() => focused(page)).toBe(actionsId);

  // Deactivate from the menu: the row is loaded again, focus on its ⋯.
  await openMenu();
  await page.getByRole("menuitem", { name: "Deactivate" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "deactivated" })).toBeVisible();
  await expect(page.locator("tr", { hasText: "keyboard" })).toContainText("Deactivated");
  await expect.poll(() => focused(page)).toBe(actionsId);

  // Confirm the deletion: the row is gone, focus on the list's heading.
  await openMenu();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await expect(ask.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(ask.getByRole("button", { name: "Confirm" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByText("You have no tokens yet.")).toBeVisible();
  await expect.poll(() => focused(page)).toBe("your-tokens");

  // The avatar dialog opens with a visible focus on Choose file.
  await page.goto("/settings/profile");
  await hydrated(page);
  await page.getByRole("button", { name: "Edit Avatar" }).focus();
  await page.keyboard.press("Enter");
  const choose = page.getByRole("dialog", { name: "Edit avatar" }).getByRole("button", { name: "Choose file" });
  await expect(choose).toBeFocused();
  expect(await choose.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe("none");
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Edit Avatar" })).toBeFocused();
});

test("messages and filters: one refusal for the custom date, Copied moves nothing, the Audit Log keeps its filters", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signUp(page, uniqueHandle("words"));

  // As served, Profile's Current password is hidden (it does not flash);
  // editing the address shows it.
  const html = await (await page.request.get("/settings/profile")).text();
  expect(html).toMatch(/<div data-shown-if-changed="email" hidden/);
  await page.goto("/settings/profile");
  await hydrated(page);
  await expect(page.getByLabel("Current password")).toBeHidden();
  await page.getByLabel("Email").fill("someone-else@example.com");
  await expect(page.getByLabel("Current password")).toBeVisible();

  await page.goto("/settings/tokens");
  await hydrated(page);
  await page.getByRole("button", { name: "Generate" }).click();
  await page.getByLabel("Expiration Date", { exact: true }).selectOption("custom");
  await page.getByRole("button", { name: "Save" }).click();
  const refusal = page.getByText("Choose the date the token expires on.");
  await expect(refusal).toHaveCount(1);
  await expect(page.getByText(/YYYY-MM-DD/)).toHaveCount(0);

  await page.getByLabel("Expiration Date", { exact: true }).selectOption("30");
  await page.getByLabel("Name (optional)").fill("filters");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "saved" })).toBeVisible();
  const generate = page.getByRole("button", { name: "Generate" });
  const before = (await generate.boundingBox())!;
  await page.getByRole("button", { name: "Copy to Clipboard" }).click();
  await expect(page.getByText("Copied", { exact: true })).toBeVisible();
  const after = (await generate.boundingBox())!;
  expect(after.x).toBe(before.x);
  expect(after.y).toBe(before.y);

  // Filtering keeps every value in its field and says what is shown.
  await page.goto("/settings/audit-log");
  await page.getByLabel("Action", { exact: true }).selectOption({ label: "Token created" });
  await page.getByLabel("From", { exact: true }).fill("2026-01-01");
  await page.getByLabel("To", { exact: true }).fill("2099-12-31");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/from=2026-01-01/);
  await expect(page.getByLabel("From", { exact: true })).toHaveValue("2026-01-01");
  await expect(page.getByLabel("To", { exact: true })).toHaveValue("2099-12-31");
  await expect(page.getByLabel("Action", { exact: true })).toHaveValue("token_created");
  const active = page.locator(".active-filters");
  await expect(active).toContainText("Token created · from 2026-01-01 · to 2099-12-31");
  // Changing one filter keeps the others.
  await page.getByLabel("To", { exact: true }).fill("2098-12-31");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/to=2098-12-31/);
  await expect(page.getByLabel("From", { exact: true })).toHaveValue("2026-01-01");
  await expect(page.getByLabel("Action", { exact: true })).toHaveValue("token_created");
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await active.getByRole("link", { name: "Show all events" }).click();
  await expect(page.getByLabel("From", { exact: true })).toHaveValue("");
  await expect(page.locator(".active-filters")).toHaveCount(0);
});

/** Presses Tab until the focused element's name matches (at most 60 times). */
async function tabTo(page: Page, name: RegExp) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press("Tab");
    const here = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? el.getAttribute("aria-label") || el.innerText || el.id : "";
    });
    if (name.test(here.trim())) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

test("the seed flow with the keyboard only: Generate, Expiration Date, Save, Copy, delete with Confirm", async ({ page, context, request }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signUp(page, uniqueHandle("keyonly"));
  await page.goto("/settings/tokens");
  await hydrated(page);
  await tabTo(page, /^Generate$/);
  await page.keyboard.press("Enter");
  const field = page.getByLabel("API token", { exact: true });
  await expect(field).toHaveValue(/^ast_/);
  const secret = await field.inputValue();
  // Expiration Date is next: the arrow key picks the next choice (60 days).
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Expiration Date", { exact: true })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByLabel("Expiration Date", { exact: true })).toHaveValue("60");
  await tabTo(page, /^Save$/);
  await page.keyboard.press("Enter");
  await expect(field).toBeFocused();
  await tabTo(page, /^Copy to Clipboard$/);
  await page.keyboard.press("Enter");
  await expect(page.getByText("Copied", { exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  const works = await request.get("/api/v1/user", { headers: { Authorization: `Bearer ${secret}` } });
  expect(works.status()).toBe(200);

  await tabTo(page, /^Token actions for ast_/);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menuitem", { name: "Details" })).toBeFocused();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog", { name: /^Delete ast_…/ })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Confirm" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByText("You have no tokens yet.")).toBeVisible();
  const gone = await request.get("/api/v1/user", { headers: { Authorization: `Bearer ${secret}` } });
  expect(gone.status()).toBe(401);
});
