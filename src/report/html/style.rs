//! The page's inline CSS: one style for the screen, and print rules so the
//! page is the paper commissioning record a utility files. `@page` margins
//! fit both ISO 216 A4 (210 × 297 mm) and US Letter (215.9 × 279.4 mm):
//! 14 mm at the sides leave a 182 mm line on A4 and 188 mm on Letter, and
//! the paper size itself is left to the printer (`size` not set). CSS
//! Paged Media 3 §5 (`@page`), CSS Fragmentation 3 §3 (`break-*`, with the
//! CSS 2.1 `page-break-*` aliases for older engines), CSS 2.1 §9.6.1
//! (a `position: fixed` box repeats on every printed page), CSS Color
//! Adjustment 1 §3 (`print-color-adjust`: keep the marks' colours).

/// On screen and in print.
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{border-bottom:1px solid #999;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top;overflow-wrap:break-word}\
th{background:#f4f4f4}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.mark{white-space:nowrap}\
.pass{color:#116611;font-weight:bold}.fail,.aborted{color:#b00;font-weight:bold}.incomplete,.unverified{color:#a60;font-weight:bold}\
tr.mismatch td{background:#fde8e8}.banner{border:2px solid #a60;background:#fff4e0;padding:.5em 1em}\
.emulated{border:3px solid #b00;color:#b00;background:#fff;padding:.5em 1em;font-weight:bold}\
.emulated-mark{display:none}\
code{font-size:.9em;word-break:break-all}code.key{word-break:normal}figure{margin:1em 0}figcaption{font-size:.9em;color:#555}\
svg{max-width:100%;height:auto}";

/// Print only: A4 and Letter, nothing clipped or split, colours kept.
pub const PRINT: &str = "@page{margin:16mm 14mm 18mm 14mm}\
@media print{\
html{font-size:9pt}body{margin:0;padding:0;max-width:none;color:#000}\
h1,h2,h3{break-after:avoid;page-break-after:avoid}\
.new-page{break-before:page;page-break-before:always}\
table{width:100%;break-inside:auto}thead{display:table-header-group}\
tr,figure,.banner,.emulated,.keep{break-inside:avoid;page-break-inside:avoid}\
a{color:inherit;text-decoration:none}\
.pass,.fail,.aborted,.incomplete,.unverified,.emulated,.banner,tr.mismatch td,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}\
.emulated-mark{display:block;position:fixed;top:42%;left:0;right:0;z-index:-1;text-align:center;\
font-size:40pt;font-weight:bold;line-height:1.2;color:#efc6c6;transform:rotate(-30deg);\
-webkit-print-color-adjust:exact;print-color-adjust:exact}\
.emulated-mark small{display:block;font-size:18pt}\
}";
