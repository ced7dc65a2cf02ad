// Drives Debian's Chromium (headless, through playwright-core) against a running operator console
// the way an operator uses it. Run by OperatorConsoleBrowserTest:
//
//   node console-e2e.mjs CONSOLE_URL STREAM_ID SCREENSHOT_DIR STALLED_URL STALLED_STREAM NO_KAFKA_URL
//
// CONSOLE_URL serves a running demo whose stream is STREAM_ID; STALLED_URL a console whose stream
// STALLED_STREAM gets frames that no job turns into segments and whose Flink is not there;
// NO_KAFKA_URL a console whose Kafka is not there. Prints progress lines, "READY_FOR_DEAD_LETTER"
// when the caller should send a dead letter under STREAM_ID, "READY_FOR_NEW_STREAM" when it should
// send STALLED_STREAM's frames, and a last line "RESULT {json}" with what it measured; exits
// non-zero on a failed check. Screenshots go to SCREENSHOT_DIR.
import { chromium } from 'playwright-core';

const [url, streamId, screenshots, stalledUrl, stalledStream, noKafkaUrl] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Generous bounds: the demo runs Kafka, Flink and the model on a busy 2-core machine.
const STREAM_TIMEOUT_MS = 240_000;
const PLAY_TIMEOUT_MS = 180_000;
// The job rejects the record when its source gets to it, behind whatever backlog it has.
const DEAD_LETTER_TIMEOUT_MS = 300_000;

function fail(message) {
  console.error('FAILED: ' + message);
  process.exit(1);
}

async function waitFor(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) fail(what + ' within ' + timeoutMs / 1000 + ' s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  // Root in CI containers: Chromium's sandbox needs user namespaces it may not have there.
  args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
});
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(url);
  const row = `#streams tr[data-stream="${streamId}"]`;

  // 1. The stream list shows the stream.
  await page.waitForSelector(row, { timeout: STREAM_TIMEOUT_MS });
  console.log(`stream ${streamId} listed`);

  // 2. Counters change between two reads.
  const counters = () => page.$eval(row, (r) => ({
    framesIn: Number(r.querySelector('.frames-in').textContent),
    out: Number(r.querySelector('.lip-synced').textContent)
      + Number(r.querySelector('.passed-through').textContent),
  }));
  const first = await counters();
  const second = await waitFor('the frames-in counter to grow', 60_000, async () => {
    const now = await counters();
    return now.framesIn > first.framesIn ? now : null;
  });
  console.log(`frames in ${first.framesIn} -> ${second.framesIn}`);
  result.framesIn = [first.framesIn, second.framesIn];

  // 3. The dubbed player advances without an error; the original plays beside it.
  await page.click(row);
  const dubbedStart = await waitFor('the dubbed player to start', PLAY_TIMEOUT_MS,
    () => page.$eval('#dubbed', (v) => (v.currentTime > 0 ? v.currentTime : null)));
  const dubbedLater = await waitFor('the dubbed player to advance by 2 s', PLAY_TIMEOUT_MS,
    () => page.$eval('#dubbed', (v, t0) => (v.currentTime > t0 + 2 ? v.currentTime : null), dubbedStart));
  console.log(`dubbed currentTime ${dubbedStart.toFixed(2)} -> ${dubbedLater.toFixed(2)}`);
  result.dubbedCurrentTime = [dubbedStart, dubbedLater];
  const originalTime = await waitFor('the original player to play', PLAY_TIMEOUT_MS,
    () => page.$eval('#original', (v) => (v.currentTime > 0 ? v.currentTime : null)));
  console.log(`original currentTime ${originalTime.toFixed(2)}`);
  result.originalCurrentTime = originalTime;
  const errors = await page.evaluate(() => window.consoleErrors);
  if (errors.dubbed.length || errors.original.length) fail('player errors: ' + JSON.stringify(errors));

  // 4. A dead letter sent now appears with its reason.
  const before = await page.$$eval('#dead-letters tbody tr', (rows) => rows.length);
  console.log('READY_FOR_DEAD_LETTER');
  const reason = await waitFor('the dead letter to be listed', DEAD_LETTER_TIMEOUT_MS, () =>
    page.$$eval('#dead-letters tbody tr', (rows, [id, n]) => {
      if (rows.length <= n) return null;
      const hit = rows.find((r) => r.querySelector('.stream-id').textContent === id);
      return hit ? hit.querySelector('.reason').textContent : null;
    }, [streamId, before]));
  console.log('dead letter listed: ' + reason);
  result.deadLetterReason = reason;
  await waitFor('the stream row to count the dead letter', 30_000, () =>
    page.$eval(row, (r) => Number(r.querySelector('.dead-lettered').textContent) > 0));

  if (pageErrors.length) fail('page errors: ' + pageErrors.join('; '));
  await page.waitForTimeout(1500); // one more poll so the chart has its latest point
  await page.screenshot({ path: screenshots + '/console-demo.png', fullPage: true });

  // 5. A new stream: how long after its first frame (its Kafka timestamp) the open page lists it.
  //    It goes to topics no job reads, so its output then stalls, and that console's Flink is not
  //    there: both must be said plainly. Then a console whose Kafka is not there.
  await page.goto(stalledUrl);
  await page.waitForFunction(() => document.getElementById('updated').textContent !== '');
  console.log('READY_FOR_NEW_STREAM');
  const newRow = `#streams tr[data-stream="${stalledStream}"]`;
  await page.waitForSelector(newRow, { timeout: 60_000 });
  const listedAt = Date.now();
  const newFirstFrameAt = await page.evaluate(async (id) => {
    const state = await (await fetch('/api/state')).json();
    return state.streams.find((s) => s.streamId === id).firstFrameAtMillis;
  }, stalledStream);
  result.newStreamListedAfterFirstFrameMs = listedAt - newFirstFrameAt;
  console.log(`new stream ${stalledStream} listed ${result.newStreamListedAfterFirstFrameMs} ms after its first frame`);
  const alerts = (p) => p.$$eval('#alerts .alert.bad', (els) => els.map((e) => e.textContent));
  const stalled = await waitFor('the stalled stream and the missing Flink to be shown', 180_000,
    async () => {
      const texts = await alerts(page);
      const health = await page.$eval(`${newRow} .health`, (e) => e.textContent).catch(() => null);
      return health === 'stalled'
        && texts.some((t) => t.startsWith('Output of stream ' + stalledStream + ' stalled'))
        && texts.some((t) => t.startsWith('Job not running: Flink at')) ? texts : null;
    });
  console.log('stalled console alerts: ' + JSON.stringify(stalled));
  result.stalledAlerts = stalled;
  await page.screenshot({ path: screenshots + '/console-stalled.png', fullPage: true });
  await page.goto(noKafkaUrl);
  const noKafka = await waitFor('the unreachable Kafka to be shown', 90_000, async () => {
    const texts = await alerts(page);
    return texts.some((t) => t.startsWith('Kafka unreachable or incomplete: Kafka at')) ? texts : null;
  });
  console.log('no-Kafka console alerts: ' + JSON.stringify(noKafka));
  result.noKafkaAlerts = noKafka;
  await page.screenshot({ path: screenshots + '/console-no-kafka.png', fullPage: true });
  console.log('RESULT ' + JSON.stringify(result));
} finally {
  await browser.close();
}
