// Drives `orm studio` in a real headless Chromium: the diagram, paging through the users table,
// a filter, the exact count, a migration's SQL; with `write`, editing rows (`orm studio --write`). Run by orm-cli/tests/studio.rs as
//   node studio.mjs <studio url with token> <screenshot directory> <label> [write]
// and fails (exit 1, the reason on stderr) at the first expectation that does not hold.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [url, shots, label, mode] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.ORM_TEST_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const expect = (ok, what) => { if (!ok) throw new Error(`${label}: ${what}`); };
const shot = (page, name) => page.screenshot({ path: `${shots}/${label}-${name}.png`, fullPage: true });

// With --write: an edit refused by a validation rule (the migrations' `validate` on age), an edit
// that saves, a new row stamped with created_at, and its delete.
async function writeChecks(page) {
  page.on("dialog", (d) => d.accept());
  await page.goto(url);
  await page.waitForSelector('#diagram-view svg g.entity[data-table="users"]');
  await page.click('nav button[data-tab="data"]');
  await page.click('#tables li[data-table="users"]');
  await page.waitForSelector('[data-testid="edit-row"]');
  await page.locator('[data-testid="edit-row"]').first().click();
  await page.fill('[data-testid="field-age"]', "-5");
  await page.click('[data-testid="save"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="form-error"]').textContent.includes("age"));
  const refused = await page.textContent('[data-testid="form-error"]');
  expect(/invalid/.test(refused) && /0/.test(refused), `a negative age is refused by its rule: ${refused}`);
  await shot(page, "validation-error");
  await page.fill('[data-testid="field-age"]', "42");
  await page.fill('[data-testid="field-display_name"]', "Edited by the studio");
  await page.click('[data-testid="save"]');
  await page.waitForFunction(() => document.querySelector("#grid tr:nth-child(2)").textContent.includes("Edited by the studio"));
  const age = (await page.locator("#grid tr:nth-child(2) td:nth-child(4)").textContent()).trim();
  expect(age === "42", `the edit saved age 42, not ${age}`);

  await page.click('[data-testid="new-row"]');
  await page.fill('[data-testid="field-email"]', "studio@example.com");
  await page.fill('[data-testid="field-display_name"]', "Made in the studio");
  await page.fill('[data-testid="field-active"]', "true");
  await page.click('[data-testid="save"]');
  await page.waitForSelector('[data-testid="editor"]', { state: "hidden" });
  await page.selectOption('[data-testid="filter-column"]', "email");
  await page.selectOption('[data-testid="filter-op"]', "eq");
  await page.fill('[data-testid="filter-value"]', "studio@example.com");
  await page.click('[data-testid="filter-add"]');
  await page.waitForFunction(() => document.querySelectorAll("#grid tr").length === 2);
  const created = (await page.locator("#grid tr:nth-child(2) td:nth-child(6)").textContent()).trim();
  expect(/^\d{4}-\d\d-\d\dT/.test(created), `the new row's created_at is stamped: ${created}`);
  await shot(page, "inserted");
  const [deleted] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "DELETE"),
    page.locator('[data-testid="delete-row"]').first().click(),
  ]);
  expect(deleted.status() === 200, `the delete answered ${deleted.status()}: ${await deleted.text()}`);
  await page.waitForFunction(() => document.querySelectorAll("#grid tr").length === 1);
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  if (mode === "write") {
    await writeChecks(page);
  } else {

  // The diagram: both tables, the foreign key between them.
  await page.goto(url);
  await page.waitForSelector('#diagram-view svg g.entity[data-table="users"]', { timeout: 20000 });
  expect(await page.locator('#diagram-view g.entity[data-table="posts"]').count() === 1, "the diagram draws posts");
  expect(await page.locator('#diagram-view path.edge[data-from="posts"][data-to="users"]').count() === 1, "the diagram draws posts -> users");
  await shot(page, "diagram");

  // Clicking a table in the diagram opens its data: keyset pages of 50 rows.
  await page.click('#diagram-view g.entity[data-table="users"]');
  await page.waitForSelector("#grid tr:nth-child(51)");
  const firstId = async () => (await page.locator("#grid tr:nth-child(2) td:first-child").textContent()).trim();
  expect(await firstId() === "1", "page 1 starts at id 1");
  for (let n = 2; n <= 4; n++) {
    await page.click('[data-testid="next-page"]');
    await page.waitForFunction((n) => document.querySelector('[data-testid="page-info"]').textContent.startsWith(`page ${n} `), n);
  }
  expect(await firstId() === "151", `page 4 starts at id 151, not ${await firstId()}`);
  expect((await page.textContent('[data-testid="page-info"]')).includes("keyset paging"), "pages by key");
  await shot(page, "page-4");

  // Sorting by a column: descending email puts user-9999 first.
  await page.click('#grid th:has-text("email")');
  await page.waitForFunction(() => document.querySelector("#grid th:nth-child(2)").textContent.includes("▲"));
  await page.click('#grid th:has-text("email")');
  await page.waitForFunction(() => document.querySelector("#grid th:nth-child(2)").textContent.includes("▼"));
  const topEmail = (await page.locator("#grid tr:nth-child(2) td:nth-child(2)").textContent()).trim();
  expect(topEmail === "user-9@example.com", `sorted by email descending ("@" after "9"), first is ${topEmail}`);

  // A filter built from the typed filter IR; the exact count only when asked.
  await page.selectOption('[data-testid="filter-column"]', "email");
  await page.selectOption('[data-testid="filter-op"]', "contains");
  await page.fill('[data-testid="filter-value"]', "user-777@");
  await page.click('[data-testid="filter-add"]');
  await page.waitForFunction(() => document.querySelectorAll("#grid tr").length === 2);
  await page.click('[data-testid="count-exact"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="row-count"]').textContent === "1 rows");
  await page.selectOption('[data-testid="filter-column"]', "age");
  await page.selectOption('[data-testid="filter-op"]', "gte");
  await page.fill('[data-testid="filter-value"]', "not a number");
  await page.click('[data-testid="filter-add"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="error"]').textContent.includes("is not a i32"));
  await shot(page, "filter");

  // A nested document (a JSON column on SQL) is shown folded, and unfolds.
  await page.click('#tables li[data-table="events"]');
  await page.waitForSelector("#grid details summary");
  const folded = (await page.textContent("#grid details summary")).trim();
  expect(folded === "{2 fields}", `the payload is folded as {2 fields}, not ${folded}`);
  expect(!(await page.isVisible("#grid details pre")), "folded until opened");
  await page.click("#grid details summary");
  const unfolded = await page.textContent("#grid details pre");
  expect(unfolded.includes('"signup"') && unfolded.includes('"tags"'), `the unfolded payload: ${unfolded}`);
  await shot(page, "nested");

  // The migration timeline: every migration applied, each with its SQL for this backend.
  await page.click('nav button[data-tab="migrations"]');
  await page.waitForSelector("#timeline li.applied");
  expect(await page.locator("#timeline li.applied").count() === 5, "five applied migrations");
  await page.click("#timeline li:first-child .head");
  const sql = await page.locator('#timeline li:first-child [data-testid="migration-sql"]').textContent();
  expect(sql.includes("users"), `the first migration's statements name users: ${sql}`);
  await shot(page, "migrations");

  }
  expect(errors.length === 0, `no script errors: ${errors.join("; ")}`);
} catch (e) {
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (pages.length) {
    await shot(pages[0], "failure").catch(() => {});
    console.error("on the page: " + (await pages[0].textContent('[data-testid="error"]').catch(() => "")));
  }
  console.error(e.message || String(e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
