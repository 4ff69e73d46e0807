// flame-browser.js - drive a hotstack flame graph SVG in headless Chromium
//
// usage: node flame-browser.js SVG CLICK REGEX EXPECTED_PCT PREFIX SHOTDIR
//
// Loads SVG from a file:// URL in Debian's /usr/bin/chromium through
// playwright-core (found with NODE_PATH), and checks, as a person would:
//   - the page loads with no console error and no uncaught exception;
//   - clicking the first frame named CLICK zooms: that frame then spans the
//     whole width, its ancestors too (faded), frames outside it are hidden;
//     "Reset Zoom" brings the original layout back;
//   - hovering a frame shows its details (function, module) at the bottom;
//   - Search (the prompt is answered with REGEX) paints every frame whose
//     name matches REGEX and none other, and shows "Matched: P%" with P
//     within 0.5 of EXPECTED_PCT.
// Screenshots PREFIX-{loaded,zoomed,search}.png go to SHOTDIR. Prints one
// "ok: ..." line per check and exits 1 at the first failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [svg, clickName, regex, expectedPct, prefix, shotdir] = process.argv.slice(2);
if (!svg || !shotdir || !clickName || !regex || expectedPct === undefined || !prefix) {
	console.error('usage: node flame-browser.js SVG CLICK REGEX EXPECTED_PCT PREFIX SHOTDIR');
	process.exit(2);
}

function fail(msg) {
	throw new Error(msg);
}

function near(a, b, d) {
	return Math.abs(a - b) <= d;
}

async function frames(page) {
	return page.evaluate(() => {
		const out = [];
		for (const g of document.getElementById('frames').children) {
			const r = g.querySelector('rect');
			out.push({
				name: g.querySelector('title').textContent.split('\n')[0],
				title: g.querySelector('title').textContent,
				x: +r.getAttribute('x'),
				w: +r.getAttribute('width'),
				y: +r.getAttribute('y'),
				fill: r.getAttribute('fill'),
				hidden: g.classList.contains('hide'),
				text: g.querySelector('text').textContent,
			});
		}
		return out;
	});
}

async function main() {
	const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotstack-chromium-'));
	// a fresh profile directory: playwright passes it as --user-data-dir
	const browser = await chromium.launchPersistentContext(userDir, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		viewport: { width: 1280, height: 900 },
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const page = await browser.newPage();
		const errors = [];
		page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
		page.on('pageerror', (e) => errors.push(String(e)));
		page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
		await page.goto('file://' + path.resolve(svg), { waitUntil: 'load' });
		await page.waitForFunction(() => typeof boxes !== 'undefined' && boxes.length > 0);
		if (errors.length) fail('errors while loading: ' + errors.join('; '));
		const width = await page.evaluate(() => +document.documentElement.getAttribute('width'));
		const xpad = await page.evaluate(() => +document.documentElement.getAttribute('data-xpad'));
		const full = width - 2 * xpad;
		const height = await page.evaluate(() => +document.documentElement.getAttribute('height'));
		// an SVG document has no body to scroll: size the viewport to the image
		await page.setViewportSize({ width, height: Math.min(height, 4000) });
		let before = await frames(page);
		if (before.length < 2) fail('only ' + before.length + ' frames drawn');
		if (!near(before[0].w, full, 0.01)) fail('the root is ' + before[0].w + ' px wide, not ' + full);
		await page.screenshot({ path: path.join(shotdir, prefix + '-loaded.png') });
		console.log(`ok: loaded ${before.length} frames, no console errors`);

		// click to zoom
		const ci = before.findIndex((f) => f.name === clickName);
		if (ci < 0) fail('no frame named ' + clickName);
		const target = before[ci];
		if (near(target.w, full, 0.5)) fail(clickName + ' already spans the width: pick a narrower frame');
		await page.locator('#frames > g').nth(ci).locator('rect').click();
		let after = await frames(page);
		const z = after[ci];
		if (!near(z.x, xpad, 0.01) || !near(z.w, full, 0.01))
			fail(`after the click ${clickName} is at x=${z.x} w=${z.w}, not x=${xpad} w=${full}`);
		for (let i = 0; i < after.length; i++) {
			const b = before[i], a = after[i];
			const inside = b.x >= target.x - 1e-3 && b.x + b.w <= target.x + target.w + 1e-3;
			const row = b.y === target.y;
			const deeper = document_deeper(b.y, target.y);
			if (!inside && (row || deeper) && !a.hidden)
				fail(`frame ${b.name} outside the zoomed frame is still shown`);
			if (inside && (row || deeper) && b.x + b.w > target.x && !a.hidden) {
				const want = (b.w / target.w) * full;
				if (!near(a.w, want, 0.01)) fail(`frame ${b.name} is ${a.w} px wide, want ${want}`);
			}
		}
		if (after[0].hidden || !near(after[0].w, full, 0.01)) fail('the root is not shown full width as an ancestor');
		if (!(await page.locator('#unzoom').isVisible())) fail('no Reset Zoom button after zooming');
		await page.screenshot({ path: path.join(shotdir, prefix + '-zoomed.png') });
		console.log(`ok: clicking ${clickName} zooms it to the full width (${z.w.toFixed(2)} px)`);

		// details on hover
		await page.locator('#frames > g').nth(ci).locator('rect').hover();
		const details = await page.locator('#details').textContent();
		if (!details.includes(clickName) || !details.includes('module:'))
			fail('hover details do not name the function and module: ' + details);
		console.log('ok: hover shows: ' + details);

		// reset zoom
		await page.locator('#unzoom').click();
		after = await frames(page);
		for (let i = 0; i < after.length; i++)
			if (after[i].hidden || !near(after[i].x, before[i].x, 0.01) || !near(after[i].w, before[i].w, 0.01))
				fail(`after Reset Zoom frame ${after[i].name} is not back in place`);
		console.log('ok: Reset Zoom restores the layout');

		// search
		page.once('dialog', (d) => d.accept(regex));
		await page.locator('#search').click();
		await page.waitForFunction(() => document.getElementById('matched').textContent.trim() !== '');
		after = await frames(page);
		const re = new RegExp(regex);
		let nmatch = 0;
		for (let i = 1; i < after.length; i++) {
			const hit = re.test(after[i].name);
			const painted = after[i].fill === 'rgb(230,0,230)';
			if (hit !== painted) fail(`frame ${after[i].name}: match ${hit} but highlighted ${painted}`);
			nmatch += hit;
		}
		if (!nmatch) fail('the search matched no frame');
		const matched = await page.locator('#matched').textContent();
		const m = /Matched: ([0-9.]+)%/.exec(matched);
		if (!m) fail('no matched percent shown: ' + matched);
		if (!near(+m[1], +expectedPct, 0.5)) fail(`matched ${m[1]}%, expected ${expectedPct}%`);
		await page.screenshot({ path: path.join(shotdir, prefix + '-search.png') });
		console.log(`ok: search /${regex}/ highlights ${nmatch} frames, ${matched.trim()}`);
		if (errors.length) fail('errors: ' + errors.join('; '));
	} finally {
		await browser.close();
		fs.rmSync(userDir, { recursive: true, force: true });
	}
}

// Is a frame at row y deeper than the zoomed frame's row zy? Rows grow up in a
// flame graph, down in an icicle graph: data-icicle is read from the file.
let icicle = false;
function document_deeper(y, zy) {
	return icicle ? y > zy : y < zy;
}

icicle = /data-icicle="1"/.test(fs.readFileSync(svg, 'utf8').slice(0, 4096));
main().catch((e) => {
	console.log('FAIL: ' + e.message);
	process.exit(1);
});
