/* changjing what-if page and interactive report: vanilla JavaScript, SVG drawn here.
 *
 * Two modes.  Live (served by `changjing whatif`): controls from /api/setup, a change posts
 * /api/run and the page polls /api/state while the replications arrive.  Static (written by
 * `changjing report --interactive`): the data are embedded in <script id="cj-data"> and a
 * slider moves across the swept arms.  Every string from data is inserted as text (textContent,
 * createTextNode, setAttribute), never as HTML.
 */
(function () {
  "use strict";

  const UI = {
    zh: {
      title: "政策情景推演", controls: "政策杠杆", reps: "重复次数", reset: "恢复基准",
      save: "另存为实验", report: "生成报告", baseline: "基准方案", whatif: "当前设定",
      progress: "已完成 {n} / {N} 对运行", running: "运行中", complete: "已完成",
      cancelled: "已取消（设定已改变）", targets: "达成“十百千”目标的概率（95% Wilson 区间）",
      target: "目标", indicator: "指标", pbase: "基准方案", pcur: "当前设定", delta: "差",
      paired: "期末值：与基准方案的配对差异（95% 配对 t 区间）", mean_base: "基准均值",
      mean_cur: "当前均值", diff: "差异", bands: "指标轨迹：中位数、50% 与 90% 区间",
      funnel: "全周期漏斗（各环节进入的场景数，运行均值）", budget: "按资金工具的累计支出（运行均值）",
      history: "历史设定", restore: "恢复", split_sum: "合计 {s}", presets: "预设值",
      arm_preset: "按方案设定", none: "（选择）", saved: "已保存：{p}", built: "报告已生成：{p}",
      building: "正在生成报告…", no_out: "启动时未给出 --out 目录，页面不写任何文件。",
      source: "来源", unit: "单位", range: "取值范围", arm: "方案", all_targets: "四项全部达成",
      unc_note: "本实验的不确定参数设计未在页面上使用：页面在基础配置的参数值下运行。",
      static_note: "本文件由已完成的批量实验生成，移动滑块在各方案之间切换（无需联网）。",
      seeds: "各方案使用相同的随机种子（共同随机数），差异为配对差异。",
      firms: "{f} 家企业，{m} 个月，根种子 {s}", arms: "方案"
    },
    en: {
      title: "Policy what-if", controls: "Policy levers", reps: "Replications",
      reset: "Reset to baseline", save: "Save as experiment", report: "Build report",
      baseline: "Baseline", whatif: "This setting", progress: "{n} of {N} seed pairs done",
      running: "running", complete: "complete", cancelled: "cancelled (setting changed)",
      targets: "Probability of reaching each 十百千 target (95 % Wilson interval)",
      target: "Target", indicator: "Indicator", pbase: "Baseline", pcur: "This setting",
      delta: "Δ", paired: "End values: paired difference to the baseline (95 % paired-t)",
      mean_base: "Baseline mean", mean_cur: "Setting mean", diff: "Difference",
      bands: "Indicators over time: median, 50 % and 90 % bands",
      funnel: "Lifecycle funnel (scenarios entering each stage, mean over runs)",
      budget: "Money spent by instrument (mean over runs)", history: "History",
      restore: "restore", split_sum: "sum {s}", presets: "presets", arm_preset: "set as arm",
      none: "(choose)", saved: "saved: {p}", built: "report written: {p}",
      building: "building the report…",
      no_out: "Started without --out DIR: the page writes no files.", source: "Source",
      unit: "Unit", range: "Valid range", arm: "Arm", all_targets: "All four",
      unc_note: "This experiment's uncertainty design is not used on the page: it runs at the " +
        "base configuration's parameter values.",
      static_note: "Written from a finished sweep; the slider moves across the swept arms " +
        "(works offline).",
      seeds: "Every arm runs the same seeds (common random numbers): differences are paired.",
      firms: "{f} firms, {m} months, root seed {s}", arms: "Arms"
    }
  };

  let S = null;            // setup
  let lang = "zh";
  const t = (k, fmt) => {
    let s = (UI[lang] || UI.en)[k] || k;
    if (fmt) for (const [a, b] of Object.entries(fmt)) s = s.split("{" + a + "}").join(String(b));
    return s;
  };
  const L = (code) => (S && S.labels && S.labels[code]) || (code === "all_targets" ? t("all_targets") : code);

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") e.textContent = String(v);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "data") for (const [dk, dv] of Object.entries(v)) e.dataset[dk] = String(dv);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined)
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    return e;
  }
  const NS = "http://www.w3.org/2000/svg";
  function sv(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  // ------------------------------------------------------------------ number formats
  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    const a = Math.abs(v);
    if (lang === "zh") {
      if (a >= 1e8) return (v / 1e8).toFixed(2) + " 亿";
      if (a >= 1e4) return (v / 1e4).toFixed(1) + " 万";
    } else {
      if (a >= 1e9) return (v / 1e9).toFixed(2) + " bn";
      if (a >= 1e6) return (v / 1e6).toFixed(1) + " M";
      if (a >= 1e4) return (v / 1e3).toFixed(1) + " k";
    }
    const d = digits === undefined ? (Number.isInteger(v) ? 0 : 1) : digits;
    return v.toFixed(d);
  }
  const pct = (p) => (p === null || p === undefined || !isFinite(p)) ? "–" : (100 * p).toFixed(0) + "%";
  const signed = (v) => (v > 0 ? "+" : "") + num(v);

  // ------------------------------------------------------------------ results (both modes)
  function targetsTable(sm) {
    const rows = (sm.targets || []).map((r) => {
      const b = r.base || {}, c = r.cur || {};
      const d = (c.p ?? NaN) - (b.p ?? NaN);
      return el("tr", {data: {target: r.target}},
        el("td", {text: L(r.target)}),
        el("td", {class: "num", text: r.target_value === null ? "" : num(r.target_value)}),
        el("td", {class: "num p-base", data: {p: b.p}, text: `${pct(b.p)} (${pct(b.lo)}–${pct(b.hi)})`}),
        el("td", {class: "num p-cur", data: {p: c.p, lo: c.lo, hi: c.hi},
                  text: `${pct(c.p)} (${pct(c.lo)}–${pct(c.hi)})`}),
        el("td", {class: "num " + (d > 0 ? "up" : d < 0 ? "down" : ""),
                  text: isFinite(d) ? (d > 0 ? "+" : "") + (100 * d).toFixed(0) + " pp" : "–"}));
    });
    return el("table", {id: "targets"},
      el("thead", {}, el("tr", {}, el("th", {text: t("target")}), el("th", {text: ""}),
        el("th", {text: t("pbase") + " · " + (sm.baseline || "")}), el("th", {text: t("pcur") + (sm.arm && sm.arm !== "whatif" ? " · " + sm.arm : "")}),
        el("th", {text: t("delta")}))),
      el("tbody", {}, ...rows));
  }

  function pairedTable(sm) {
    const rows = (sm.paired || []).map((r) => el("tr", {data: {indicator: r.indicator}},
      el("td", {text: L(r.indicator)}),
      el("td", {class: "num", text: num(r.base_mean)}),
      el("td", {class: "num", text: num(r.cur_mean)}),
      el("td", {class: "num diff " + (r.lo > 0 ? "up" : r.hi < 0 ? "down" : ""),
                data: {mean: r.mean, lo: r.lo, hi: r.hi},
                text: `${signed(r.mean)} [${num(r.lo)}, ${num(r.hi)}]`})));
    return el("table", {id: "paired"},
      el("thead", {}, el("tr", {}, el("th", {text: t("indicator")}), el("th", {text: t("mean_base")}),
        el("th", {text: t("mean_cur")}), el("th", {text: t("diff")}))),
      el("tbody", {}, ...rows));
  }

  function bandChart(key, entry) {
    const W = 300, H = 160, l = 44, r = 8, top = 8, bot = 22;
    const dates = entry.dates || [];
    const n = dates.length;
    const target = S.targets ? S.targets[key] : undefined;
    let ymax = 0;
    for (const side of ["base", "cur"]) if (entry[side]) for (const v of entry[side].p95) if (v > ymax) ymax = v;
    if (target !== undefined && target > ymax) ymax = target;
    if (ymax <= 0) ymax = 1;
    const x = (i) => l + (n > 1 ? i * (W - l - r) / (n - 1) : 0);
    const y = (v) => top + (H - top - bot) * (1 - v / ymax);
    const g = sv("svg", {viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "data-indicator": key});
    g.appendChild(sv("line", {x1: l, x2: W - r, y1: y(0), y2: y(0), stroke: "#d5dae1"}));
    g.appendChild(sv("text", {x: l - 4, y: y(ymax) + 8, "text-anchor": "end"}, num(ymax)));
    g.appendChild(sv("text", {x: l - 4, y: y(0), "text-anchor": "end"}, "0"));
    if (n) {
      g.appendChild(sv("text", {x: l, y: H - 6}, dates[0]));
      g.appendChild(sv("text", {x: W - r, y: H - 6, "text-anchor": "end"}, dates[n - 1]));
    }
    const area = (lo, hi) => {
      let d = "";
      for (let i = 0; i < n; i++) d += (i ? "L" : "M") + x(i).toFixed(1) + "," + y(hi[i] ?? 0).toFixed(1);
      for (let i = n - 1; i >= 0; i--) d += "L" + x(i).toFixed(1) + "," + y(lo[i] ?? 0).toFixed(1);
      return d + "Z";
    };
    const line = (m) => m.map((v, i) => (i ? "L" : "M") + x(i).toFixed(1) + "," + y(v ?? 0).toFixed(1)).join("");
    for (const [side, colour] of [["base", "#7a828c"], ["cur", "#0b5394"]]) {
      const s = entry[side];
      if (!s) continue;
      g.appendChild(sv("path", {d: area(s.p05, s.p95), fill: colour, "fill-opacity": 0.14, class: "band90 " + side}));
      g.appendChild(sv("path", {d: area(s.p25, s.p75), fill: colour, "fill-opacity": 0.3, class: "band50 " + side}));
      g.appendChild(sv("path", {d: line(s.median), fill: "none", stroke: colour, "stroke-width": 1.6, class: "median " + side}));
    }
    if (target !== undefined) {
      g.appendChild(sv("line", {x1: l, x2: W - r, y1: y(target), y2: y(target), stroke: "#a01c12",
                                "stroke-dasharray": "4 3", "stroke-width": 1}));
    }
    return el("div", {class: "chart"}, el("div", {class: "title", text: L(key)}), g);
  }

  function barChart(id, rows, value) {
    // grouped horizontal bars: for each row, baseline then this setting
    const W = 520, rowH = 34, l = 190, r = 70;
    const H = rows.length * rowH + 6;
    let vmax = 0;
    for (const row of rows) for (const side of ["base", "cur"]) {
      const v = row[side] ? value(row[side]) : 0;
      if (v > vmax) vmax = v;
    }
    if (vmax <= 0) vmax = 1;
    const g = sv("svg", {viewBox: `0 0 ${W} ${H}`, width: W, height: H, id: id, role: "img", class: "bars"});
    rows.forEach((row, i) => {
      const y0 = 4 + i * rowH;
      g.appendChild(sv("text", {x: l - 6, y: y0 + 19, "text-anchor": "end"}, L(row.stage || row.instrument)));
      [["base", "#7a828c", 0], ["cur", "#0b5394", 15]].forEach(([side, colour, dy]) => {
        const v = row[side] ? value(row[side]) : 0;
        const w = Math.max(0, (W - l - r) * v / vmax);
        g.appendChild(sv("rect", {x: l, y: y0 + dy, width: w.toFixed(1), height: 13, fill: colour,
                                  "fill-opacity": side === "base" ? 0.6 : 0.85}));
        g.appendChild(sv("text", {x: l + w + 4, y: y0 + dy + 10}, num(v)));
      });
    });
    return g;
  }

  function legend(sm) {
    return el("div", {class: "legend"}, el("span", {class: "lb", text: t("baseline") + ": " + (sm.baseline || "")}),
      el("span", {class: "lc", text: t("whatif") + ": " + (sm.arm || "")}));
  }

  function renderResults(box, sm) {
    box.replaceChildren();
    if (!sm) return;
    box.appendChild(el("h2", {text: t("targets")}));
    box.appendChild(targetsTable(sm));
    box.appendChild(el("h2", {text: t("paired")}));
    box.appendChild(pairedTable(sm));
    box.appendChild(el("h2", {text: t("bands")}));
    box.appendChild(legend(sm));
    const charts = el("div", {class: "charts"});
    for (const key of S.indicators) if (sm.bands && sm.bands[key]) charts.appendChild(bandChart(key, sm.bands[key]));
    box.appendChild(charts);
    box.appendChild(el("h2", {text: t("funnel")}));
    box.appendChild(barChart("funnel", sm.funnel || [], (s) => s.entered || 0));
    box.appendChild(el("h2", {text: t("budget")}));
    box.appendChild(barChart("budget", sm.budget || [], (s) => s.spent || 0));
    const conv = (lang === "zh" && sm.conventions_zh) || sm.conventions || {};
    box.appendChild(el("p", {class: "muted small", text: t("seeds") + " " +
      Object.values(conv).join(lang === "zh" ? "；" : "; ")}));
  }

  function header(extra) {
    return el("header", {},
      el("h1", {text: t("title") + " · " + S.experiment}),
      el("span", {class: "muted", text: t("firms", {f: S.firms, m: S.months, s: S.root_seed})}),
      extra || null);
  }

  // ------------------------------------------------------------------ live mode
  let values = {};           // the settings on the page
  let job = null, pollTimer = null, runTimer = null, lastDone = -1;
  const history = [];

  async function api(path, body) {
    const opts = body === undefined ? {} : {method: "POST", headers: {"Content-Type": "application/json"},
                                           body: JSON.stringify(body)};
    const res = await fetch(path, opts);
    let data = null;
    try { data = await res.json(); } catch (e) { data = {error: res.statusText}; }
    return {ok: res.ok, status: res.status, data: data};
  }

  function showError(msg) {
    const box = document.getElementById("error");
    box.replaceChildren();
    if (msg) box.appendChild(el("div", {class: "error", role: "alert", text: msg}));
  }
  function showNote(msg, cls) {
    const box = document.getElementById("notes");
    box.replaceChildren();
    if (msg) box.appendChild(el("div", {class: cls || "ok", text: msg}));
  }

  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  function tip(c) {
    const unit = lang === "zh" ? c.unit_zh : c.unit;
    return `${c.key}\n${t("unit")}: ${unit}\n${t("range")}: ${c.range || "–"}\n${t("source")}: ${c.source}\n${c.doc}`;
  }
  function cname(c) { return lang === "zh" ? c.name_zh : c.name_en; }

  function numberControl(c) {
    const v = values[c.key];
    const range = el("input", {type: "range", min: c.min, max: c.max, step: c.step, value: v,
                               "aria-label": cname(c), data: {key: c.key, role: "slider"}});
    const box = el("input", {type: "number", step: "any", value: v, data: {key: c.key, role: "number"},
                             "aria-label": cname(c)});
    const set = (x, from) => {
      values[c.key] = x;
      if (from !== range) range.value = x;
      if (from !== box) box.value = x;
      markChanged();
      schedule();
    };
    range.addEventListener("input", () => set(c.kind === "int" ? parseInt(range.value, 10) : parseFloat(range.value), range));
    box.addEventListener("change", () => {
      const x = box.value.trim() === "" ? null : Number(box.value);
      set(x === null || !isFinite(x) ? null : x, box);
    });
    const row = el("div", {class: "row"}, range, box, el("span", {class: "unit", text: lang === "zh" ? c.unit_zh : c.unit}));
    const parts = [row];
    if (c.presets && c.presets.length) parts.push(presetSelect(c, (x) => set(x, null)));
    return parts;
  }

  function presetSelect(c, apply) {
    const sel = el("select", {"aria-label": t("presets"), data: {key: c.key, role: "preset"}},
      el("option", {value: "", text: t("presets") + "…"}),
      ...c.presets.map((p, i) => el("option", {value: String(i), text: p.label})));
    sel.addEventListener("change", () => {
      if (sel.value === "") return;
      apply(JSON.parse(JSON.stringify(c.presets[Number(sel.value)].value)));
      sel.value = "";
    });
    return sel;
  }

  function choiceControl(c) {
    const opts = c.kind === "value" ? c.presets.map((p) => ({label: p.label, value: p.value}))
      : c.options.map((o) => ({label: String(o), value: o}));
    const sel = el("select", {"aria-label": cname(c), data: {key: c.key, role: "choice"}},
      ...opts.map((o, i) => el("option", {value: String(i), text: o.label})));
    const cur = opts.findIndex((o) => same(o.value, values[c.key]));
    sel.value = String(cur >= 0 ? cur : 0);
    sel.addEventListener("change", () => {
      values[c.key] = JSON.parse(JSON.stringify(opts[Number(sel.value)].value));
      markChanged();
      schedule();
    });
    return [sel];
  }

  function splitControl(c) {
    const inst = c.instruments;
    const rows = [], sum = el("div", {class: "sum"});
    const showSum = () => {
      const s = inst.reduce((a, k) => a + values[c.key][k], 0);
      sum.textContent = t("split_sum", {s: s.toFixed(4)});
    };
    const setShare = (k, v) => {
      const cur = Object.assign({}, values[c.key]);
      v = Math.min(1, Math.max(0, isFinite(v) ? v : 0));
      const others = inst.filter((o) => o !== k);
      const rest = 1 - v, os = others.reduce((a, o) => a + cur[o], 0);
      cur[k] = v;
      others.forEach((o) => { cur[o] = os > 0 ? rest * cur[o] / os : rest / others.length; });
      // round to 4 decimals; the last of the others takes the remainder, so the sum is 1
      for (const o of others) cur[o] = Math.round(cur[o] * 1e4) / 1e4;
      const last = others[others.length - 1];
      cur[last] = Math.max(0, Math.round((1 - inst.filter((o) => o !== last).reduce((a, o) => a + cur[o], 0)) * 1e10) / 1e10);
      values[c.key] = cur;
      refresh();
      markChanged();
      schedule();
    };
    const refresh = () => {
      rows.forEach(([k, r, b]) => { r.value = values[c.key][k]; b.value = values[c.key][k]; });
      showSum();
    };
    const parts = inst.map((k) => {
      const r = el("input", {type: "range", min: 0, max: 1, step: 0.01, value: values[c.key][k],
                             "aria-label": L(k), data: {key: c.key, instrument: k, role: "slider"}});
      const b = el("input", {type: "number", min: 0, max: 1, step: 0.01, value: values[c.key][k],
                             "aria-label": L(k), data: {key: c.key, instrument: k, role: "number"}});
      r.addEventListener("input", () => setShare(k, parseFloat(r.value)));
      b.addEventListener("change", () => setShare(k, parseFloat(b.value)));
      rows.push([k, r, b]);
      return el("div", {class: "split-row"}, el("span", {text: L(k)}), r, b);
    });
    showSum();
    const out = [...parts, sum];
    if (c.presets && c.presets.length) out.push(presetSelect(c, (x) => { values[c.key] = x; refresh(); markChanged(); schedule(); }));
    return out;
  }

  function markChanged() {
    for (const c of S.controls) {
      const box = document.querySelector(`.control[data-key="${CSS.escape(c.key)}"]`);
      if (box) box.classList.toggle("changed", !same(values[c.key], S.baseline_settings[c.key]));
    }
  }

  function renderControls() {
    const box = document.getElementById("controls");
    box.replaceChildren();
    for (const c of S.controls) {
      let parts;
      if (c.kind === "split") parts = splitControl(c);
      else if (c.kind === "int" || c.kind === "float") parts = numberControl(c);
      else parts = choiceControl(c);
      box.appendChild(el("div", {class: "control", data: {key: c.key}},
        el("label", {class: "name", title: tip(c), text: cname(c)}), ...parts));
    }
    markChanged();
  }

  function schedule() {
    clearTimeout(runTimer);
    runTimer = setTimeout(run, 250);
  }

  async function run() {
    const reps = parseInt(document.getElementById("reps").value, 10);
    const res = await api("/api/run", {settings: values, replications: isFinite(reps) ? reps : null});
    if (!res.ok || res.data.refused) {
      showError(res.data && (res.data.refused || res.data.error) || "error " + res.status);
      document.getElementById("app").dataset.state = "invalid";
      return;
    }
    showError("");
    job = res.data.job;
    lastDone = -1;
    document.getElementById("app").dataset.state = "running";
    document.getElementById("app").dataset.job = job;
    poll();
  }

  async function poll() {
    clearTimeout(pollTimer);
    const mine = job;
    const res = await api("/api/state?job=" + mine);
    if (mine !== job || !res.ok) return;
    const st = res.data;
    const pr = document.getElementById("progress");
    pr.textContent = t("progress", {n: st.done, N: st.total}) + " · " +
      (st.complete ? t("complete") : st.cancelled ? t("cancelled") : t("running"));
    pr.className = "progress " + (st.complete ? "complete" : "running");
    pr.dataset.done = st.done;
    pr.dataset.total = st.total;
    if (st.error) showError(st.error);
    if (st.summary && st.summary.n !== lastDone) {
      lastDone = st.summary.n;
      renderResults(document.getElementById("results"), st.summary);
    }
    const app = document.getElementById("app");
    if (st.complete) {
      app.dataset.state = "complete";
      addHistory(st);
      setButtons(true);
      return;
    }
    setButtons(false);
    if (!st.cancelled && !st.error) pollTimer = setTimeout(poll, st.done < st.total ? 300 : 50);
  }

  function setButtons(complete) {
    document.getElementById("save").disabled = !S.can_write || !job;
    document.getElementById("report").disabled = !S.can_write || !complete;
  }

  function describe(settings) {
    const parts = [];
    for (const c of S.controls) {
      if (same(settings[c.key], S.baseline_settings[c.key])) continue;
      const v = settings[c.key];
      parts.push(cname(c) + " = " + (typeof v === "number" ? num(v, 2) :
        (v && typeof v === "object" ? Object.values(v).map((x) => typeof x === "number" ? x.toFixed(2) : String(x)).join("/") : String(v))));
    }
    return parts.length ? parts.join("; ") : t("baseline");
  }

  function addHistory(st) {
    if (history.length && history[0].job === st.job) return;
    const all = (st.summary.targets || []).find((r) => r.target === "all_targets");
    history.unshift({job: st.job, settings: st.settings, reps: st.total,
                     p: all && all.cur ? all.cur.p : null});
    if (history.length > 8) history.pop();
    const ul = document.getElementById("history");
    ul.replaceChildren(...history.map((h) => el("li", {},
      el("button", {text: t("restore"), onclick: () => {
        values = JSON.parse(JSON.stringify(h.settings));
        for (const c of S.controls) if (!(c.key in values)) values[c.key] = S.baseline_settings[c.key];
        document.getElementById("reps").value = h.reps;
        renderControls();
        run();
      }}), " ", `${describe(h.settings)} — ${t("all_targets")} ${pct(h.p)} (n = ${h.reps})`)));
  }

  async function live() {
    const res = await api("/api/setup");
    S = res.data;
    lang = S.lang;
    values = JSON.parse(JSON.stringify(S.baseline_settings));
    const app = document.getElementById("app");
    app.replaceChildren(
      header(el("span", {id: "progress", class: "progress", text: "…"})),
      el("main", {},
        el("aside", {},
          el("h2", {text: t("controls")}),
          S.arms.length > 1 ? armPreset() : null,
          el("div", {id: "controls"}),
          el("div", {class: "control"}, el("label", {class: "name", text: t("reps")}),
            el("input", {type: "number", id: "reps", min: 1, max: S.max_replications, step: 1,
                         value: S.replications, onchange: schedule})),
          el("div", {class: "buttons"},
            el("button", {id: "reset", text: t("reset"), onclick: () => {
              values = JSON.parse(JSON.stringify(S.baseline_settings));
              renderControls(); run(); }}),
            el("button", {id: "save", text: t("save"), disabled: true, onclick: save}),
            el("button", {id: "report", text: t("report"), disabled: true, onclick: report})),
          S.can_write ? null : el("div", {class: "note", text: t("no_out")}),
          S.uncertainties_ignored ? el("div", {class: "note", text: t("unc_note")}) : null,
          el("div", {id: "error"}), el("div", {id: "notes"}),
          el("h2", {text: t("history")}), el("ol", {id: "history", class: "history"})),
        el("section", {id: "results"})));
    renderControls();
    run();
  }

  function armPreset() {
    const sel = el("select", {id: "armpreset", "aria-label": t("arm_preset")},
      el("option", {value: "", text: t("arm_preset") + "…"}),
      ...S.arms.map((a, i) => el("option", {value: String(i), text: a.name})));
    sel.addEventListener("change", () => {
      if (sel.value === "") return;
      values = Object.assign(JSON.parse(JSON.stringify(S.baseline_settings)),
                             JSON.parse(JSON.stringify(S.arms[Number(sel.value)].settings)));
      sel.value = "";
      renderControls();
      run();
    });
    return el("div", {class: "control"}, sel);
  }

  async function save() {
    const res = await api("/api/save", {job: job});
    if (res.ok) { showNote(t("saved", {p: res.data.path})); document.getElementById("app").dataset.saved = res.data.path; }
    else showError(res.data.error);
  }

  async function report() {
    showNote(t("building"), "note");
    const res = await api("/api/report", {job: job});
    if (res.ok) { showNote(t("built", {p: res.data.path})); document.getElementById("app").dataset.report = res.data.path; }
    else { showNote(""); showError(res.data.error); }
  }

  // ------------------------------------------------------------------ static mode
  function staticMode(data) {
    S = data.setup;
    lang = S.lang;
    const arms = data.arms;
    const start = Math.max(0, arms.findIndex((a) => a.name !== S.baseline_arm));
    const label = el("strong", {id: "armname", text: arms[start].name});
    const slider = el("input", {type: "range", id: "armslider", class: "armslider", min: 0,
                                max: arms.length - 1, step: 1, value: start, "aria-label": t("arm")});
    const results = el("section", {id: "results"});
    const show = () => {
      const a = arms[Number(slider.value)];
      label.textContent = a.name;
      renderResults(results, a.summary);
      document.getElementById("app").dataset.arm = a.name;
    };
    slider.addEventListener("input", show);
    const list = el("ol", {class: "small", start: 0}, ...arms.map((a) => el("li", {text: a.name +
      (a.name === S.baseline_arm ? " (" + t("baseline") + ")" : "")})));
    document.getElementById("app").replaceChildren(
      header(),
      el("main", {},
        el("aside", {},
          el("h2", {text: t("arm")}), slider, el("p", {}, label),
          el("h2", {text: t("arms")}), list,
          el("div", {class: "note", text: t("static_note")}),
          S.uncertainties_ignored ? null : null),
        results));
    show();
  }

  function init() {
    const embedded = document.getElementById("cj-data");
    if (embedded) staticMode(JSON.parse(embedded.textContent));
    else live().catch((e) => { document.getElementById("app").textContent = String(e); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
