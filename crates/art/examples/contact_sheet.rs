//! Draws a contact sheet of icons from every set, to look at:
//! `cargo run -p videoagent-art --example contact_sheet -- /tmp/art-look/sheet.png`

use image::{Rgba, RgbaImage};
use videoagent_art::{pick, rasterize, ArtRef, Kind};

const CELL: u32 = 112;
const ICON: u32 = 96;
const COLUMNS: u32 = 8;

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "/tmp/art-look/sheet.png".to_string());
    let mut arts: Vec<(ArtRef, Option<[u8; 3]>)> = Vec::new();
    // What the text picks (Fluent Flat, and a silhouette for the podium).
    for p in pick("狮子 老虎 熊 狼 鲨鱼 霸王龙 猫在写周报 加班 堵车 口红 耳机 运动鞋 下雨 咖啡店 领奖台", Kind::Any)
    {
        arts.push((p.art, Some([40, 90, 200])));
    }
    for name in [
        "fluent-emoji:lion",
        "fluent-emoji:t-rex",
        "fluent-emoji:trophy",
        "fluent-emoji:racing-car",
        "fluent-emoji:sparkles",
        "fluent-emoji:crown",
    ] {
        arts.push((name.parse().unwrap(), None));
    }
    for name in ["noto:lion", "noto:shark", "noto:rocket", "noto:rainbow"] {
        arts.push((name.parse().unwrap(), None));
    }
    let tints = [[200, 30, 60], [20, 140, 80], [230, 150, 0], [90, 40, 160], [0, 0, 0], [20, 110, 200]];
    let silhouettes =
        ["lion", "tiger-head", "shark-jaws", "dinosaur-rex", "podium", "weight-lifting-up", "trophy", "speedometer"];
    for (i, name) in silhouettes.iter().enumerate() {
        arts.push((format!("game-icons:{name}").parse().unwrap(), Some(tints[i % tints.len()])));
    }
    arts.push(("fluent-emoji-flat:backhand-index-pointing-left".parse().unwrap(), None));
    arts.push(("fluent-emoji-flat:backhand-index-pointing-right".parse().unwrap(), None));

    let rows = (arts.len() as u32).div_ceil(COLUMNS);
    let mut sheet = RgbaImage::from_pixel(COLUMNS * CELL, rows * CELL, Rgba([236, 236, 232, 255]));
    for (i, (art, tint)) in arts.iter().enumerate() {
        let icon = rasterize(art, ICON, *tint).unwrap_or_else(|e| panic!("{art}: {e}"));
        let x0 = (i as u32 % COLUMNS) * CELL + (CELL - icon.width()) / 2;
        let y0 = (i as u32 / COLUMNS) * CELL + (CELL - icon.height()) / 2;
        for (x, y, p) in icon.enumerate_pixels() {
            let d = sheet.get_pixel_mut(x0 + x, y0 + y);
            let a = p[3] as u32;
            for c in 0..3 {
                d[c] = ((p[c] as u32 * a + d[c] as u32 * (255 - a) + 127) / 255) as u8;
            }
        }
        println!("{:2}  {art}", i);
    }
    if let Some(dir) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    sheet.save(&out).unwrap();
    println!("wrote {out} ({} icons)", arts.len());
}
