// Drives `orm studio` in a real headless Chromium: the diagram, paging through the users table,
// a filter, the exact count, a migration's SQL. Run by orm-cli/tests/studio.rs as
//   node studio.mjs <studio url with token> <screenshot directory> <label>
// and fails (exit 1, the reason on stderr) at the first expectation that does not hold.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [url, shots, label] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.ORM_TEST_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const expect = (ok, what) => { if (!ok) throw new Error(`${label}: ${what}`); };
const shot = (page, name) => page.screenshot({ path: `${shots}/${label}-${name}.png`, fullPage: true });

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));

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

  // The migration timeline: three applied migrations, each with its SQL for this backend.
  await page.click('nav button[data-tab="migrations"]');
  await page.waitForSelector("#timeline li.applied");
  expect(await page.locator("#timeline li.applied").count() === 3, "three applied migrations");
  await page.click("#timeline li:first-child .head");
  const sql = await page.locator('#timeline li:first-child [data-testid="migration-sql"]').textContent();
  expect(sql.includes("users"), `the first migration's statements name users: ${sql}`);
  await shot(page, "migrations");

  expect(errors.length === 0, `no script errors: ${errors.join("; ")}`);
} catch (e) {
  console.error(e.message || String(e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
