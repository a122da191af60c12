// The dashboard in Firefox: Debian's firefox-esr driven over WebDriver BiDi by puppeteer-core (no
// browser download). Run by tests/e2e/test_dashboard.py:
//   node tests/e2e/firefox_story.mjs <base url> <email> <password> <screenshot dir> <firefox>
// Prints one JSON line of what it saw; exits non-zero on any failure.
import puppeteer from "puppeteer-core";

const [base, email, password, screens, executablePath] = process.argv.slice(2);
const browser = await puppeteer.launch({ browser: "firefox", executablePath, headless: true });
const seen = { errors: [], offsite: [] };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  page.on("pageerror", (error) => seen.errors.push(String(error)));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${base}/`) && !url.startsWith("data:")) seen.offsite.push(url);
  });
  await page.setViewport({ width: 1280, height: 900 });

  await page.goto(`${base}/app/`);
  await page.waitForSelector("#sign-in input[name=email]");
  await page.type("#sign-in input[name=email]", email);
  await page.type("#sign-in input[name=password]", password);
  await page.click("#sign-in button[type=submit]");
  await page.waitForSelector("#alerts table");
  seen.alerts = Number(await page.$eval("#total-alerts", (el) => el.textContent));
  seen.rows = await page.$$eval("#alerts tbody tr", (rows) => rows.length);
  await page.screenshot({ path: `${screens}/firefox-low-stock.png` });

  await page.click("#alerts tbody a");
  await page.waitForSelector("#sales-chart canvas");
  seen.level = await page.$eval("#level-title", (el) => el.textContent);
  await page.select("#movement-form select[name=type]", "sale");
  await page.type("#movement-form input[name=quantity]", "1000000");
  await page.click("#movement-form button[type=submit]");
  await page.waitForSelector("#movement-form [data-error-for=quantity]:not(:empty)");
  seen.quantity_error = await page.$eval("#movement-form [data-error-for=quantity]", (el) => el.textContent);
  await page.screenshot({ path: `${screens}/firefox-level.png` });

  await page.click("#sign-out");
  await page.waitForSelector("#sign-in");
  await page.goBack();
  await page.waitForSelector("#sign-in");
  seen.after_sign_out = await page.evaluate(() => fetch("/api/auth/me").then((r) => r.status));
  seen.version = await browser.version();
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
