// Warm-start benchmark in headless Chromium: a user with 1,000 conversations on the server and
// 1,000 conversations + 100,000 messages in the IndexedDB cache (schema v2, see docs/cache.md);
// reload the page and time TIM.create + login -> SDK_READY, then the first getConversationList,
// then the first getMessageList of the newest conversation (a page read from the messages index).
//
// The server must list 1,000 conversations per user (tim-js-sdk, like our SDK, drops cached
// conversations the server's list does not bring), so it runs with a config such as
//   printf '[conversations]\nmax_list = 1000\nretention_days = 0\n' > /tmp/bench.toml
//   TIM_DEMO=1 TIM_STATIC_DIR=dist/www TIM_LISTEN=127.0.0.1:8090 TIM_DATA_DIR=$(mktemp -d) \
//     target/release/tim-server serve --config /tmp/bench.toml
//   TIM_URL=http://127.0.0.1:8090 node tests/bench/warm-start.mjs
//   (env: BENCH_CONVS=1000 BENCH_MSGS=100000 BENCH_RUNS=5; BENCH_PROFILE=1 records a CPU profile
//   of the last run and prints the functions with the most time — build the wasm with symbols
//   for names: CARGO_PROFILE_RELEASE_STRIP=false and no wasm-opt)
//
// The first run after seeding also takes in what the server has that the seeded cache lacks
// (each peer's server-side message); the later runs start from a cache that matches the server.
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const CONVS = Number(process.env.BENCH_CONVS || 1000);
const MSGS = Number(process.env.BENCH_MSGS || 100000);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const PROFILE = !!process.env.BENCH_PROFILE;
const user = `bench_${Date.now().toString(36)}`;

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tim-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
});
try {
  const p = await browser.newPage();
  p.on('pageerror', (e) => console.error('page error:', e.message));
  await p.goto(`${TIM_URL}/pkg/README.md`);
  const serverMs = await p.evaluate(async ({ user, CONVS }) => {
    // One message from each peer to the user through the REST API, 20 at a time.
    const t0 = performance.now();
    const admin = await fetch('/dev/usersig?userID=administrator').then((x) => x.json());
    const url = `/v4/openim/sendmsg?sdkappid=${admin.SDKAppID}&identifier=administrator&usersig=${encodeURIComponent(admin.userSig)}&contenttype=json`;
    for (let c = 0; c < CONVS; c += 20) {
      await Promise.all(Array.from({ length: Math.min(20, CONVS - c) }, (_, k) => {
        const body = { SyncOtherMachine: 2, From_Account: `peer${c + k}`, To_Account: user, MsgRandom: c + k + 1,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `on the server ${c + k}` } }] };
        return fetch(`${url}&random=${c + k}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json()).then((r) => {
          if (r.ErrorCode !== 0) throw new Error(`sendmsg: ${JSON.stringify(r)}`);
        });
      }));
    }
    return performance.now() - t0;
  }, { user, CONVS });
  console.log(`server: ${CONVS} conversations in ${(serverMs / 1000).toFixed(1)} s`);
  const seedMs = await p.evaluate(async ({ user, CONVS, MSGS }) => {
    const t0 = performance.now();
    const { SDKAppID } = await fetch('/dev/usersig?userID=' + user).then((x) => x.json());
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open(`tim-wasm-${SDKAppID}-${user}`, 2);
      r.onupgradeneeded = () => {
        const d = r.result;
        for (const s of ['conversations', 'groups', 'outbox', 'meta']) d.createObjectStore(s);
        const m = d.createObjectStore('messages');
        m.createIndex('conv_order', ['c', 'o', 'i']);
        m.createIndex('time', 't');
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const done = (tx) => new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    const base = Math.floor(Date.now() / 1000) - 10 * 86400;
    const per = Math.ceil(MSGS / CONVS);
    const message = (peer, k, time) => ({
      ID: `144115${k}-${time}-${k}`, type: 'TIMTextElem', payload: { text: `message ${k} with ${peer}` },
      conversationID: `C2C${peer}`, conversationType: 'C2C', to: k % 2 ? user : peer, from: k % 2 ? peer : user,
      flow: k % 2 ? 'in' : 'out', time, status: 'success', isRevoked: false, priority: 'Normal', nick: '', avatar: '',
      isPeerRead: false, nameCard: '', atUserList: [], cloudCustomData: '', isDeleted: false, isModified: false,
      needReadReceipt: false, readReceiptInfo: {}, isBroadcastMessage: false, isSupportExtension: false, revoker: '',
      sequence: k, clientSequence: k, random: k, isPlaceMessage: 0, isSystemMessage: false, protocol: 'JSON',
      isResend: false, isRead: true, clientTime: time, senderTinyID: '', version: 0, _messageKey: `${k}_${k}_${time}`,
      _elements: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `message ${k} with ${peer}` } }],
    });
    let k = 0;
    for (let c = 0; c < CONVS; c += 50) {
      const tx = db.transaction(['conversations', 'messages'], 'readwrite');
      const cs = tx.objectStore('conversations'), ms = tx.objectStore('messages');
      for (let j = c; j < Math.min(c + 50, CONVS); j++) {
        const peer = `peer${j}`;
        let last;
        for (let n = 0; n < per && k < MSGS; n++, k++) {
          const time = base + j * 600 + n;
          last = message(peer, k, time);
          ms.put({ c: last.conversationID, o: time, t: time, i: last.ID, v: JSON.stringify(last) }, last.ID);
        }
        const lastTime = last ? last.time : base;
        cs.put(JSON.stringify({
          conversationID: `C2C${peer}`, type: 'C2C', unreadCount: j % 3, groupAtInfoList: [], remark: '', isPinned: false,
          messageRemindType: '', markList: [], customData: '', conversationGroupList: [], peerReadTime: 0, _lastTime: lastTime,
          lastMessage: last ? { lastTime, lastSequence: last.sequence, fromAccount: last.from, messageForShow: last.payload.text, payload: last.payload, type: last.type, isRevoked: false, cloudCustomData: '', onlineOnlyFlag: false, nick: '', nameCard: '', version: 0, isPeerRead: false, revoker: '' } : {},
          userProfile: { userID: peer, nick: '', avatar: '' },
        }), `C2C${peer}`);
      }
      await done(tx);
    }
    db.close();
    return performance.now() - t0;
  }, { user, CONVS, MSGS });
  console.log(`seeded ${CONVS} conversations, ${MSGS} messages in ${(seedMs / 1000).toFixed(1)} s`);

  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    await p.reload();
    await p.addScriptTag({ url: `${TIM_URL}/pkg/tim-js.js` });
    const cdp = PROFILE && i === RUNS - 1 ? await p.context().newCDPSession(p) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
      await cdp.send('Profiler.start');
    }
    const r = await p.evaluate(async (user) => {
      const { SDKAppID, userSig } = await fetch('/dev/usersig?userID=' + user).then((x) => x.json());
      const t0 = performance.now();
      const tim = TIM.create({ SDKAppID, proxyServer: location.origin.replace(/^http/, 'ws') });
      tim.setLogLevel && tim.setLogLevel(4);
      await new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error('no SDK_READY')), 20000);
        tim.on(TIM.EVENT.SDK_READY, resolve);
        tim.login({ userID: user, userSig }).catch(reject);
      });
      const ready = performance.now() - t0;
      const list = (await tim.getConversationList()).data.conversationList;
      const listed = performance.now() - t0;
      const first = list[0].conversationID;
      const page = (await tim.getMessageList({ conversationID: first })).data.messageList;
      const paged = performance.now() - t0;
      const heap = performance.memory ? performance.memory.usedJSHeapSize : 0;
      await tim.destroy();
      return { ready, listed, paged, convs: list.length, page: page.length, first, newest: page.length && page[page.length - 1].payload.text, heap };
    }, user);
    if (r.convs !== CONVS || r.page !== Math.min(15, Math.ceil(MSGS / CONVS))) throw new Error(`unexpected result ${JSON.stringify(r)}`);
    runs.push(r);
    if (cdp) printProfile((await cdp.send('Profiler.stop')).profile);
    console.log(`run ${i + 1}: SDK_READY ${r.ready.toFixed(1)} ms, getConversationList ${r.listed.toFixed(1)} ms, first getMessageList ${r.paged.toFixed(1)} ms (${r.convs} conversations, page of ${r.page})`);
  }
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  console.log(`median of ${RUNS}: SDK_READY ${med('ready').toFixed(1)} ms, first getConversationList ${med('listed').toFixed(1)} ms, first getMessageList ${med('paged').toFixed(1)} ms (times from TIM.create)`);
} finally {
  await browser.close();
}

// Self and total (inclusive) time per function in ms, the top 40 by total, from a CDP CPU
// profile.
function printProfile(profile) {
  const self = new Map(), total = new Map(), parent = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const label = (n) => {
    const f = n.callFrame;
    return `${f.functionName || '(anonymous)'}${f.url ? ' ' + f.url.split('/').pop() + ':' + f.lineNumber : ''}`;
  };
  const add = (m, k, v) => m.set(k, (m.get(k) || 0) + v);
  for (let k = 0; k < profile.samples.length; k++) {
    const ms = (profile.timeDeltas[k + 1] || 0) / 1000;
    let id = profile.samples[k];
    add(self, label(byId.get(id)), ms);
    const seen = new Set();
    for (; id !== undefined; id = parent.get(id)) seen.add(label(byId.get(id)));
    for (const name of seen) add(total, name, ms);
  }
  const top = [...total.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40);
  console.log('   total     self  function');
  for (const [name, ms] of top) console.log(`${ms.toFixed(1).padStart(8)} ${(self.get(name) || 0).toFixed(1).padStart(8)}  ${name}`);
}
