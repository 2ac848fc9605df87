# ruff: noqa: E501
"""Interactive, self-contained HTML views of layouts and conversion plans (no network, no
matplotlib).

* :func:`layout_page` / :func:`layout_fragment` — the tensor as a grid of cells coloured
  by warp and shaded by lane (shared layouts: by bank).  Hover a cell for its element,
  thread, lane, warp, register and the bits of each index; click a cell to highlight
  every element its thread holds (shared: every element in its bank); click again, or
  press Escape, to clear.
* :func:`plan_page` / :func:`plan_fragment` — a conversion plan: source and destination
  grids, then a step-through (buttons or arrow keys) of its steps, numbered from 1 as in
  ``plan.explain()``; shared-memory steps show, per vector access of warp 0, which lanes
  each bank serves in each wavefront, and highlight the elements moved on the grid.

A fragment is a ``<div>`` with its own scoped style and script (what Jupyter displays);
a page wraps it in a complete HTML document (what ``linlayout show --html`` writes).

>>> from linlayout import LinearLayout
>>> L = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[0, 2], [1, 0]],
...                              "warp": [], "block": []}, ["dim0", "dim1"])
>>> page = layout_page(L)
>>> page.startswith("<!DOCTYPE html>") and "http" not in page.split("<script>")[1]
True
"""

from __future__ import annotations

import html
import itertools
import json
import re
from typing import TYPE_CHECKING, Any

from ..errors import LayoutError
from . import text as _text

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..layout import LinearLayout
    from ..plan.ir import ConversionPlan

__all__ = ["layout_page", "layout_fragment", "plan_page", "plan_fragment", "MAX_HTML_CELLS"]

#: the most tensor elements an interactive view shows (one DOM cell each)
MAX_HTML_CELLS = 128 * 128
#: the most copies of one element listed on hover
_MAX_LISTED = 8
_ids = itertools.count()

_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf"]

_STYLE = """
.llv{font-family:system-ui,sans-serif;font-size:12px;color:#111}
.llv .ttl{font-weight:600;margin:2px 0 4px 0;white-space:pre-wrap}
.llv .info{font-family:monospace;white-space:pre;min-height:4.2em;background:#f6f6f6;padding:4px;
  border:1px solid #ddd;margin-bottom:4px}
.llv .grid{display:grid;gap:1px;background:#fff;width:max-content}
.llv .c{width:var(--cw);height:var(--cw);font-size:var(--fs);line-height:1.05;text-align:center;
  overflow:hidden;cursor:pointer;display:flex;white-space:pre;align-items:center;justify-content:center;
  font-family:monospace;color:#000}
.llv .c.dim{opacity:.18}.llv .c.hl{outline:2px solid #000;outline-offset:-2px}
.llv .c.hov{outline:2px solid #d00;outline-offset:-2px}
.llv .panes{display:flex;gap:16px;flex-wrap:wrap}
.llv .step{margin-top:8px;border-top:1px solid #ccc;padding-top:6px}
.llv .step pre{margin:2px 0;white-space:pre-wrap}
.llv table.banks{border-collapse:collapse;font-family:monospace;font-size:10px}
.llv table.banks td,.llv table.banks th{border:1px solid #ccc;padding:1px 3px;text-align:center}
.llv table.banks td.ok{background:#b7dfb7}.llv table.banks td.bad{background:#f3aaa0}
.llv button{margin-right:4px}
"""

_SCRIPT = r"""
(function(){
const root=document.getElementById(ROOT_ID), D=JSON.parse(root.querySelector('script.lld').textContent);
function hexmix(h,t){const n=parseInt(h.slice(1),16),c=[n>>16,(n>>8)&255,n&255];
  return 'rgb('+c.map(v=>Math.round(v*(1-t)+255*t)).join(',')+')';}
function bits(v,n){if(!n)return '-';let s='';for(let i=n-1;i>=0;i--)s+=(v>>i)&1;return s;}
function grid(g,box,info,onpick){
  const el=box.querySelector('.grid');el.style.gridTemplateColumns='repeat('+g.cols+',var(--cw))';
  const cw=g.cols>64||g.rows>64?10:(g.cols>32||g.rows>32?22:34);
  el.style.setProperty('--cw',cw+'px');el.style.setProperty('--fs',(cw>=30?9:(cw>=20?7:0))+'px');
  const cells=[];
  for(let i=0;i<g.rows*g.cols;i++){const d=document.createElement('div');d.className='c';
    const s=g.cells[i];d.dataset.i=i;
    if(s&&s.length){d.style.background=g.colour(s);d.textContent=cw>=20?g.label(s):'';}
    else{d.style.background='#fff';}
    el.appendChild(d);cells.push(d);}
  let picked=null;
  function clear(){picked=null;cells.forEach(c=>c.classList.remove('dim','hl'));}
  el.addEventListener('mouseover',e=>{const i=e.target.dataset.i;if(i===undefined)return;
    cells.forEach(c=>c.classList.remove('hov'));e.target.classList.add('hov');
    info.textContent=g.describe(+i);});
  el.addEventListener('click',e=>{const i=e.target.dataset.i;if(i===undefined)return;
    const s=g.cells[+i];if(!s||!s.length)return;const key=g.key(s[0]);
    if(picked===key){clear();info.textContent='cleared';return;}
    picked=key;let n=0;
    cells.forEach((c,j)=>{const t=g.cells[j]||[];const hit=t.some(x=>g.key(x)===key);
      c.classList.toggle('hl',hit);c.classList.toggle('dim',!hit);if(hit)n++;});
    info.textContent=g.pickText(s[0],n);});
  root.addEventListener('keydown',e=>{if(e.key==='Escape')clear();});
  return {cells:cells,clear:clear,mark:function(list){clear();const set=new Set(list);
    cells.forEach((c,j)=>{c.classList.toggle('hl',set.has(j));c.classList.toggle('dim',!set.has(j));});}};
}
function coords(g,i){const out=[];let f=(g.r0+Math.floor(i/g.cols))*g.fcols+g.c0+i%g.cols;for(let k=g.shape.length-1;k>=0;k--){out.unshift(f%g.shape[k]);
  f=Math.floor(f/g.shape[k]);}return '('+out.join(', ')+')';}
function prep(g){
  const nl=g.sizes.lane||1,nw=g.sizes.warp||1;
  if(g.kind==='distributed'){
    g.colour=s=>hexmix(g.palette[(s[0][0]*nw+s[0][1])%g.palette.length],0.62*s[0][2]/Math.max(1,nl-1));
    g.label=s=>'T'+s[0][2]+'\nR'+s[0][3];
    g.key=x=>x[0]+':'+x[1]+':'+x[2];
    g.describe=i=>{const s=g.cells[i]||[];if(!s.length)return 'element '+coords(g,i)+': not held';
      let t='element '+coords(g,i)+(g.count[i]>1?' — held by '+g.count[i]+' copies':'')+'\n';
      s.forEach(x=>{t+='  block '+x[0]+' warp '+x[1]+' lane '+x[2]+' (thread '+(x[1]*nl+x[2])+') register '+x[3]+
        '   bits: register='+bits(x[3],g.bits.register)+' lane='+bits(x[2],g.bits.lane)+
        ' warp='+bits(x[1],g.bits.warp)+' block='+bits(x[0],g.bits.block)+'\n';});
      if(g.count[i]>s.length)t+='  … '+(g.count[i]-s.length)+' more copies\n';
      return t+'click: highlight every element of this thread';};
    g.pickText=(x,n)=>'thread '+(x[1]*nl+x[2])+' (block '+x[0]+', warp '+x[1]+', lane '+x[2]+') holds '+n+
      ' element(s), highlighted; click again or press Escape to clear';
  } else if(g.kind==='shared'){
    g.colour=s=>hexmix(g.palette[s[0][2]%g.palette.length],0.15+0.5*((s[0][2]>>3)&3)/3);
    g.label=s=>String(s[0][1])+'\nb'+s[0][2];
    g.key=x=>'bank'+x[2];
    g.describe=i=>{const s=g.cells[i]||[];if(!s.length)return 'element '+coords(g,i)+': not stored';
      let t='element '+coords(g,i)+'\n';
      s.forEach(x=>{t+='  block '+x[0]+' offset '+x[1]+' bank '+x[2]+'   bits: offset='+
        bits(x[1],g.bits.offset)+' block='+bits(x[0],g.bits.block)+'\n';});
      return t+'('+g.elem_bits+'-bit elements, '+g.bank_text+'); click: highlight this bank';};
    g.pickText=(x,n)=>'bank '+x[2]+' holds '+n+' element(s) of this tensor, highlighted';
  } else {
    g.colour=s=>hexmix(g.palette[0],0.7*(s[0][0]%16)/15);
    g.label=s=>s[0].join(':');
    g.key=x=>x.join(':');
    g.describe=i=>{const s=g.cells[i]||[];if(!s.length)return 'element '+coords(g,i)+': not held';
      return 'element '+coords(g,i)+'\n'+s.map(x=>'  '+g.dims.map((d,k)=>d+' '+x[k]+' ('+bits(x[k],g.bits[d])+')').join(', ')).join('\n');};
    g.pickText=(x,n)=>g.dims.map((d,k)=>d+' '+x[k]).join(', ')+': highlighted';
  }
  return g;
}
const views={};
root.querySelectorAll('.pane').forEach(box=>{const g=prep(D.grids[box.dataset.g]);
  views[box.dataset.g]=grid(g,box,root.querySelector('.info'));});
const steps=D.steps||[];if(!steps.length)return;
const sbox=root.querySelector('.step');let k=0,a=0;
function show(){const st=steps[k];a=Math.max(0,Math.min(a,(st.accesses||[]).length-1));
  let h='<b>step '+(k+1)+' of '+steps.length+': '+st.name+'</b><pre></pre>';
  if(st.accesses&&st.accesses.length){const ac=st.accesses[a];
    h+='<div><button class="pa">◀ access</button><button class="na">access ▶</button> vector access '+(a+1)+
      ' of '+st.accesses.length+' by warp 0 (registers '+ac.regs.join(', ')+'): '+ac.fronts+
      ' wavefront(s), ideal '+ac.ideal+'</div><table class="banks"><tr><th></th>';
    for(let b=0;b<st.banks;b++)h+='<th>'+b+'</th>';h+='</tr>';
    for(let f=0;f<Math.max(1,ac.fronts);f++){h+='<tr><th>wavefront '+(f+1)+'</th>';
      for(let b=0;b<st.banks;b++){const w=(ac.per_bank[b]||[])[f];
        h+=w?'<td class="'+(f<ac.ideal?'ok':'bad')+'" title="bank '+b+', word '+w[0]+'">T'+w[1]+'</td>':'<td></td>';}
      h+='</tr>';}
    h+='</table>';}
  sbox.querySelector('.body').innerHTML=h;sbox.querySelector('.body pre').textContent=st.text;
  const pa=sbox.querySelector('.pa'),na=sbox.querySelector('.na');
  if(pa){pa.onclick=()=>{a--;show();};na.onclick=()=>{a++;show();};}
  Object.values(views).forEach(v=>v.clear());
  if(st.accesses&&st.accesses.length&&views[st.grid])views[st.grid].mark(st.accesses[a].cells);
  root.dataset.step=k+1;root.dataset.access=a+1;}
sbox.querySelector('.prev').onclick=()=>{k=Math.max(0,k-1);a=0;show();};
sbox.querySelector('.next').onclick=()=>{k=Math.min(steps.length-1,k+1);a=0;show();};
root.addEventListener('keydown',e=>{if(e.key==='ArrowRight')sbox.querySelector('.next').click();
  if(e.key==='ArrowLeft')sbox.querySelector('.prev').click();});
show();
})();
"""


def _log2(n: int) -> int:
    return max(0, int(n).bit_length() - 1)


def _grid_data(
    layout: LinearLayout, *, target: Any = None, elem_bits: int = 32,
    rows: tuple[int, int] | None = None, cols: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The JSON a grid needs: shape, per cell the hardware slots holding it, sizes and bits;
    ``rows=(a, b)``/``cols=(c, d)`` keep the sub-tile of rows a..b-1 and columns c..d-1."""
    import numpy as np

    from .draw import _grid_shape, _tile

    _text._check_layout(layout)
    kind = _text.layout_kind(layout)
    shape = _text._shape(layout)
    if not shape:
        raise LayoutError("layout: has no output dims, so there is no tensor to show")
    full_rows, full_cols = _grid_shape(shape)
    (r0, r1), (c0, c1) = _tile(full_rows, rows, "rows"), _tile(full_cols, cols, "cols")
    total = (r1 - r0) * (c1 - c0)
    if total > MAX_HTML_CELLS:
        raise LayoutError(
            f"layout: a {'x'.join(map(str, shape))} tensor has {total} elements to show, too many for the "
            f"interactive view (at most {MAX_HTML_CELLS}); view a sub-tile (rows=, cols=; CLI --rows, --cols)"
        )
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    order = _text._hw_order(kind, layout) if kind != "generic" else list(_text._in_dims(layout))
    table = _text.evaluate(layout, order)
    full = _text._linear_index(table, shape).reshape(-1)
    fr, fc = np.divmod(full, full_cols)
    inside = (fr >= r0) & (fr < r1) & (fc >= c0) & (fc < c1)
    lin = np.where(inside, (fr - r0) * (c1 - c0) + (fc - c0), -1)
    slots = np.stack(np.unravel_index(np.arange(lin.size), table.shape[:-1]), axis=1)
    keep = np.argsort(lin, kind="stable")
    keep = keep[lin[keep] >= 0]
    count = np.bincount(lin[lin >= 0], minlength=total)
    cells: list[list[list[int]]] = [[] for _ in range(total)]
    sizes = {d: _text._size(layout, d) for d in order}
    extra: dict[str, Any] = {}
    if kind == "shared":
        num_banks, bank_bytes, bank_text = _text._banks(target)
        extra = {"elem_bits": elem_bits, "bank_text": bank_text}
    for j in keep.tolist():
        e = int(lin[j])
        if len(cells[e]) >= _MAX_LISTED:
            continue
        slot = [int(v) for v in slots[j]]
        if kind == "shared":  # (block, offset) -> (block, offset, bank)
            slot.append(_text.bank_of(slot[1], elem_bits=elem_bits, num_banks=num_banks, bank_bytes=bank_bytes))
        cells[e].append(slot)
    return {
        "kind": kind if kind in ("distributed", "shared") else "generic",
        "shape": shape,
        "rows": r1 - r0,
        "cols": c1 - c0,
        "r0": r0,
        "c0": c0,
        "fcols": full_cols,
        "cells": cells,
        "count": count.tolist(),
        "sizes": sizes,
        "dims": order,
        "bits": {d: _log2(n) for d, n in sizes.items()},
        "palette": _PALETTE,
        **extra,
    }


def _json(data: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def _fragment(
    title: str, grids: dict[str, dict[str, Any]], names: dict[str, str], steps: list[dict[str, Any]] | None = None
) -> str:
    rid = f"llv{next(_ids)}"
    panes = "".join(
        f"<div class='pane' data-g='{k}'><div class='ttl'>{html.escape(names[k])}</div>"
        "<div class='grid'></div></div>"
        for k in grids
    )
    step = ""
    if steps:
        step = ("<div class='step'><button class='prev'>◀ step</button><button class='next'>step ▶</button>"
                "<div class='body'></div></div>")
    data = _json({"grids": grids, "steps": steps or []})
    script = _SCRIPT.replace("ROOT_ID", json.dumps(rid))
    return (
        f"<div class='llv' id='{rid}' tabindex='0'><style>{_STYLE}</style>"
        f"<div class='ttl'>{html.escape(title)}</div>"
        "<div class='info'>hover a cell: its element, thread, lane, warp, register and bits; "
        "click: highlight its thread</div>"
        f"<div class='panes'>{panes}</div>{step}"
        f"<script type='application/json' class='lld'>{data}</script><script>{script}</script></div>"
    )


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title.splitlines()[0] if title else 'linlayout')}</title></head>"
        f"<body>{body}</body></html>\n"
    )


def layout_fragment(layout: LinearLayout, *, title: str | None = None, target: Any = None, elem_bits: int = 32,
                    rows: tuple[int, int] | None = None, cols: tuple[int, int] | None = None) -> str:
    """The interactive grid of ``layout`` (or of its sub-tile ``rows``, ``cols``: half-open
    ranges) as one self-contained ``<div>`` (for Jupyter)."""
    data = _grid_data(layout, target=target, elem_bits=elem_bits, rows=rows, cols=cols)
    tile = f" — rows {data['r0']}…{data['r0'] + data['rows'] - 1}, columns {data['c0']}…" \
        f"{data['c0'] + data['cols'] - 1}" if rows is not None or cols is not None else ""
    return _fragment((title or _text.describe(layout)) + tile, {"layout": data}, {"layout": ""})


def layout_page(layout: LinearLayout, *, title: str | None = None, target: Any = None, elem_bits: int = 32,
                rows: tuple[int, int] | None = None, cols: tuple[int, int] | None = None) -> str:
    """A complete HTML page of :func:`layout_fragment` (no network access needed)."""
    title = title or _text.describe(layout)
    return _page(title, layout_fragment(layout, title=title, target=target, elem_bits=elem_bits, rows=rows,
                                        cols=cols))


# ----------------------------------------------------------------------------- plans


def _step_texts(plan: ConversionPlan) -> dict[int, str]:
    """Step number (from 1) -> its paragraph of ``plan.explain()``."""
    out: dict[int, list[str]] = {}
    cur = None
    for line in plan.explain().splitlines():
        m = re.match(r"^\s+(\d+)\. ", line)
        if m:
            cur = int(m.group(1))
            out[cur] = [line.strip()]
        elif cur is not None and line.startswith("     "):
            out[cur].append(line.strip())
        else:
            cur = None
    return {k: "\n".join(v) for k, v in out.items()}


def _cells_of(layout: LinearLayout) -> NDArray[np.int64]:
    """``[lane, register] -> grid cell`` of warp 0, block 0 of distributed ``layout``."""
    table = _text.evaluate(layout, ["lane", "register"])
    return _text._linear_index(table, _text._shape(layout))


def _accesses(step: Any, plan: ConversionPlan, layout: LinearLayout | None) -> list[dict[str, Any]]:
    """Per vector access of warp 0: registers, per bank the (word, lanes) served per wavefront,
    wavefronts, their ideal and the grid cells moved."""
    import numpy as np

    t = plan.target
    from ..targets import get_target

    tg = get_target(t) if t is not None else None
    num_banks = tg.num_banks if tg is not None else 32
    bank_bytes = tg.bank_bytes if tg is not None else 4
    eb = int(plan.elem_bits)
    off = np.asarray(step.offset)
    while off.ndim > 3:
        off = off[0]
    if off.ndim == 2:
        off = off[None]
    warp0 = off[0]
    lanes = warp0.shape[0]
    vec = int(getattr(step, "vec", 1) or 1)
    regs_perm = getattr(step, "regs", None)  # a numpy permutation or None
    order = list(range(warp0.shape[1])) if regs_perm is None else [int(r) for r in regs_perm]
    where = _cells_of(layout) if layout is not None else None
    out = []
    for k in range(len(order) // vec):
        regs = order[k * vec:(k + 1) * vec]
        per_bank: dict[int, dict[int, list[int]]] = {}
        cells = []
        for lane in range(lanes):
            o = [int(warp0[lane, r]) for r in regs]
            if min(o) < 0:
                continue
            first = min(o) * eb // 8 // bank_bytes
            last = (max(o) * eb // 8 + max(1, eb // 8) - 1) // bank_bytes
            for w in range(first, last + 1):
                per_bank.setdefault(w % num_banks, {}).setdefault(w, []).append(lane)
            if where is not None:
                cells += [int(where[lane, r]) for r in regs]
        nwords = sum(len(v) for v in per_bank.values())
        fronts = max((len(v) for v in per_bank.values()), default=0)
        table = {b: [[w, _lanes(ls)] for w, ls in sorted(words.items())] for b, words in per_bank.items()}
        out.append({"regs": regs, "per_bank": table, "fronts": fronts,
                    "ideal": max(1, -(-nwords // num_banks)) if nwords else 0, "cells": cells})
    return out


def _lanes(lanes: list[int]) -> str:
    from .draw import _lane_ranges

    return _lane_ranges(lanes)


def plan_fragment(plan: ConversionPlan) -> str:
    """The interactive view of a conversion plan as one self-contained ``<div>``."""
    steps = getattr(plan, "steps", None)
    if steps is None:
        raise LayoutError(f"plan: expected a ConversionPlan (with .steps), got {type(plan).__name__}")
    src, dst = getattr(plan, "src", None), getattr(plan, "dst", None)
    grids: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}
    for key, lay, name in (("src", src, "source"), ("dst", dst, "destination")):
        if lay is not None:
            grids[key] = _grid_data(lay)
            names[key] = f"{name}: {_text.describe(lay)}"
    texts = _step_texts(plan)
    tg = plan.target
    from ..targets import get_target

    num_banks = get_target(tg).num_banks if tg is not None else 32
    data = []
    for i, step in enumerate(steps, 1):
        name = type(step).__name__
        entry: dict[str, Any] = {"name": name, "text": texts.get(i, name)}
        if name in ("SharedStore", "SharedLoad"):
            lay = src if name == "SharedStore" else dst
            entry.update(accesses=_accesses(step, plan, lay), banks=num_banks,
                         grid="src" if name == "SharedStore" else "dst")
        data.append(entry)
    title = (f"ConversionPlan {plan.kind}: {len(steps)} step(s); shuffles={plan.shuffles} "
             f"selects={plan.selects} wavefronts={plan.wavefronts} shared_bytes={plan.shared_bytes}")
    if not data:
        data = [{"name": "no steps", "text": "the destination is the source (a no-op)"}]
    return _fragment(title, grids, names, data)


def plan_page(plan: ConversionPlan) -> str:
    """A complete HTML page of :func:`plan_fragment` (no network access needed)."""
    frag = plan_fragment(plan)
    return _page(f"linlayout plan ({plan.kind})", frag)
