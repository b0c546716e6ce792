import { test, expect, PASSWORD, hydrated, signUp, uniqueHandle } from "./helpers";
import * as fs from "fs";
import * as path from "path";

// Mail reaches tools/smtp_sink.py, which writes each message as JSON into
// E2E_MAIL_DIR (tools/test.sh starts it and points the server at it).
const NEW_PASSWORD = "a different horse, also stapled";

type Mail = { envelope_to: string[]; headers: Record<string, string>; text: string };

/** The latest mail to `to` whose subject ends with `subject`, waiting for it. */
async function mailTo(to: string, subject: string): Promise<Mail> {
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

function linkIn(mail: Mail, pagePath: string): string {
  const m = mail.text.match(new RegExp(`https?://\\S+${pagePath}\\?token=[0-9a-f]{64}`));
  if (!m) throw new Error(`no ${pagePath} link in:\n${mail.text}`);
  return m[0];
}

test("forgot password: the mailed link sets a new one", async ({ page }) => {
  const handle = uniqueHandle("reset");
  await signUp(page, handle);
  await page.context().clearCookies();

  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await hydrated(page);
  await page.getByLabel("Email or handle").fill(handle);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByText("a link to choose a new password is on its way")).toBeVisible();

  const mail = await mailTo(`${handle}@example.com`, "Reset your password");
  expect(mail.headers["auto-submitted"]).toBe("auto-generated");
  await page.goto(linkIn(mail, "/reset-password"));
  await hydrated(page);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=done$/);
  await expect(page.getByText("Your password was changed")).toBeVisible();

  await hydrated(page);
  await page.getByLabel("Email or handle").fill(handle);
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await mailTo(`${handle}@example.com`, "Your password was changed");

  // The link worked once.
  await page.context().clearCookies();
  await page.goto(linkIn(mail, "/reset-password"));
  await expect(page.getByText("This link was already used")).toBeVisible();
});

test("change the email address and confirm it from the mail", async ({ page }) => {
  const handle = uniqueHandle("move");
  await signUp(page, handle);
  const next = `${handle}@new.example`;
  await page.getByLabel("First name").fill("Mo");
  await page.getByLabel("Last name").fill("Ving");
  await page.getByLabel("Display name").fill("Mo");
  await page.getByLabel("Email").fill(next);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(`Waiting for you to confirm ${next}`)).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(`${handle}@example.com`);

  const mail = await mailTo(next, "Confirm your email address");
  await page.goto(linkIn(mail, "/confirm-email"));
  await hydrated(page);
  await expect(page.getByText(`Use ${next} for your account?`)).toBeVisible();
  await page.getByRole("button", { name: "Confirm email address" }).click();
  await expect(page).toHaveURL(/\/settings\/profile\?confirmed=1$/);
  await expect(page.getByLabel("Email")).toHaveValue(next);
  await mailTo(`${handle}@example.com`, "Your email address was changed");
});

test("a reminder's links land on the token's row and open its Regenerate dialog", async ({ page }) => {
  await signUp(page, uniqueHandle("remind"));
  await page.goto("/settings/tokens");
  await hydrated(page);
  await page.getByRole("button", { name: "Generate" }).click();
  await page.getByLabel("Name (optional)").fill("deploy");
  await page.getByRole("button", { name: "Save" }).click();
  const row = page.locator("tr").filter({ hasText: "deploy" });
  await expect(row).toBeVisible();
  const id = (await row.getAttribute("id"))!.replace("token-", "");

  // As from a mail: a fresh page load at the link.
  await page.goto("/settings/profile");
  await page.goto(`/settings/tokens#regenerate-token-${id}`);
  await hydrated(page);
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("deploy");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});
