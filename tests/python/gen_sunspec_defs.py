"""Regenerates src/protocol/sunspec/defs.rs from the SunSpec model JSON that
pysunspec2 bundles (sunspec2/models/json). Run from the crate root:
python3 tests/python/gen_sunspec_defs.py && cargo fmt
"""
import json
import os, sys
import sunspec2
D = os.path.join(os.path.dirname(sunspec2.__file__), 'models', 'json') + '/'
OUT = sys.argv[1] if len(sys.argv) > 1 else 'src/protocol/sunspec/defs.rs'
TY={'uint16':'Uint16','int16':'Int16','uint32':'Uint32','int32':'Int32','uint64':'Uint64','enum16':'Enum16',
    'bitfield16':'Bitfield16','bitfield32':'Bitfield32','sunssf':'Sunssf','string':'String','pad':'Pad',
    'acc32':'Acc32'}
out=[]
out.append('''//! SunSpec model point tables, generated from the official SunSpec model
//! definitions (github.com/sunspec/models `json/model_<id>.json`, the copy
//! bundled in pysunspec2 1.3.7 `sunspec2/models/json`). Offsets count from the
//! model's `ID` register (offset 0). Only the fixed (non-repeating) part is
//! listed; the trip-curve groups of 707–710 are laid out by [`super::curve`].
//! The meter models 201–204 share one layout ([`meter`]).
//! Do not edit by hand: regenerate with tests/python/gen_sunspec_defs.py.

#![allow(non_upper_case_globals)]

use super::point::{Point, PointType};
''')
for m in (1,701,702,703,704,707,708,709,710):
    j=json.load(open(D+f'model_{m}.json'))
    g=j['group']
    pts=[]; off=0
    def add(p,prefix):
        global off
        name=prefix+p['name']
        rw = p.get('access','R')=='RW'
        pts.append((name,off,p['size'],TY[p['type']],rw,p.get('sf')))
        off+=p['size']
    for p in g['points']: add(p,'')
    if m==704:
        for sg in g['groups']:
            assert sg.get('count',1)==1
            for p in sg['points']: add(p, sg['name']+'_')
    out.append(f"/// Model {m} ({g['name']}): {g.get('label','')}.")
    out.append("#[rustfmt::skip]")
    out.append(f"pub mod m{m} {{\n    use super::*;\n    pub const MODEL_ID: u16 = {m};")
    if m not in (707,708,709,710):
        out.append(f"    /// Registers after ID and L (the model's `L`).\n    pub const LEN: u16 = {off-2};")
    else:
        out.append(f"    /// Registers of the fixed part, ID and L included; curves follow.\n    pub const FIXED_LEN: u16 = {off};")
    for (name,o,sz,ty,rw,sf) in pts:
        sfs = f'Some("{sf}")' if sf else 'None'
        out.append(f'    pub const {name}: Point = Point {{ name: "{name}", offset: {o}, size: {sz}, ty: PointType::{ty}, writable: {"true" if rw else "false"}, sf: {sfs} }};')
    out.append('    /// Every fixed point, in register order.')
    out.append('    pub const POINTS: &[Point] = &[' + ', '.join(p[0] for p in pts) + '];')
    out.append('}\n')
# Meter models 201 (single phase), 202 (split phase), 203 (wye), 204 (delta):
# one layout. Checked here point by point (offset, size, type, scale factor);
# only the names at offsets 12-14 differ (201: PPVphAB.., 202-204: PhVphAB..).
layouts = {}
for m in (201, 202, 203, 204):
    g = json.load(open(D + f'model_{m}.json'))['group']
    assert 'groups' not in g, m
    off = 0; pts = []
    for p in g['points']:
        pts.append((p['name'], off, p['size'], TY[p['type']], p.get('access', 'R') == 'RW', p.get('sf')))
        off += p['size']
    layouts[m] = pts
shape = lambda pts: [(o, sz, ty, rw, sf) for (_, o, sz, ty, rw, sf) in pts]
for m in (201, 203, 204):
    assert shape(layouts[m]) == shape(layouts[202]), m
    for a, b in zip(layouts[m], layouts[202]):
        assert a[0] == b[0] or a[1] in (12, 13, 14), (m, a, b)
pts = layouts[202]
out.append("/// Meter models 201 (single phase), 202 (split phase), 203 (wye), 204")
out.append("/// (delta): one layout, point names of 202-204 (model 201 spells offsets")
out.append("/// 12-14 `PPVphAB`, `PPVphBC`, `PPVphCA`).")
out.append("#[rustfmt::skip]")
out.append("pub mod meter {\n    use super::*;\n    pub const MODEL_IDS: [u16; 4] = [201, 202, 203, 204];")
out.append(f"    /// Registers after ID and L (the model's `L`).\n    pub const LEN: u16 = {pts[-1][1] + pts[-1][2] - 2};")
for (name,o,sz,ty,rw,sf) in pts:
    sfs = f'Some("{sf}")' if sf else 'None'
    out.append(f'    pub const {name}: Point = Point {{ name: "{name}", offset: {o}, size: {sz}, ty: PointType::{ty}, writable: {"true" if rw else "false"}, sf: {sfs} }};')
out.append('    /// Every point, in register order.')
out.append('    pub const POINTS: &[Point] = &[' + ', '.join(p[0] for p in pts) + '];')
out.append('}\n')
open(OUT, 'w').write('\n'.join(out))
