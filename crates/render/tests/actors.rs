//! The actor acts: measured in scene coordinates from the renderer's own
//! trace of actor poses (independent of the camera), and on screen with a
//! synthetic subject whose cut-out is known exactly (a saturated orange star
//! on a plain light-blue ground, with its true mask stored beside it).

use image::{GrayImage, RgbImage};
use videoagent_render::engine::spec::Layer;
use videoagent_render::engine::{frame_of_spec, trace, TemplateSpec, Traced};
use videoagent_render::{RenderJob, TemplateRenderer};

const RUN_FOR_LIFE: &str = "393769180141805569";

fn fixture(name: &str) -> image::DynamicImage {
    let path = format!("{}/../../tests/fixtures/images/{name}", env!("CARGO_MANIFEST_DIR"));
    image::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The synthetic subject photo and its stored true mask.
fn synthetic() -> (RgbImage, GrayImage) {
    (fixture("synthetic_subject.png").to_rgb8(), fixture("synthetic_subject_mask.png").to_luma8())
}

fn spec(id: &str) -> TemplateSpec {
    TemplateRenderer::builtin().spec(id).unwrap_or_else(|| panic!("{id} is built in")).clone()
}

fn job(spec: &TemplateSpec, texts: &[&str], photo: RgbImage, mask: Option<GrayImage>) -> RenderJob {
    RenderJob {
        template_id: spec.id.clone(),
        template_name: spec.name.clone(),
        texts: texts.iter().map(|t| t.to_string()).collect(),
        images: vec![photo],
        cutouts: vec![mask],
    }
}

fn find<'a>(actors: &'a [Traced], name: &str) -> &'a Traced {
    actors.iter().find(|a| a.name == name && a.visible).unwrap_or_else(|| panic!("no visible {name} in {actors:?}"))
}

/// Sample times from `a` to `b` (exclusive) every `step` seconds.
fn times(a: f32, b: f32, step: f32) -> Vec<f32> {
    (0..).map(|i| a + i as f32 * step).take_while(|&t| t < b).collect()
}

#[test]
fn run_for_life_the_pet_bobs_at_the_stride_rate_while_the_ground_scrolls() {
    let spec = spec(RUN_FOR_LIFE);
    let (photo, mask) = synthetic();
    let job = job(&spec, &["Lion"], photo, Some(mask));
    // The chase: the hero runs with a stride of 0.28 s from 0.9 s to the cut at 5.5 s.
    let at = times(1.2, 5.2, 0.01);
    let poses = trace(&spec, &job, &at).unwrap();
    let ys: Vec<f32> = poses.iter().map(|p| find(p, "hero").pose.y).collect();
    let ground = ys.iter().copied().fold(f32::MIN, f32::max);
    // Each stride lifts it off the ground and puts it back: count the landings.
    let landings = ys.windows(3).filter(|w| w[1] >= w[0] && w[1] > w[2] && ground - w[1] < 1.0).count();
    let expected = (5.2 - 1.2) / 0.28;
    assert!(
        (landings as f32 - expected).abs() <= expected * 0.15,
        "{landings} landings in 4 s, expected about {expected:.1} (stride 0.28 s)"
    );
    let lift = ground - ys.iter().copied().fold(f32::MAX, f32::min);
    assert!(lift > 10.0, "the bob lifts it {lift} px");
    // The beast runs behind it, gaining.
    let beast_x: Vec<f32> = poses.iter().map(|p| find(p, "beast").pose.x).collect();
    let hero_x: Vec<f32> = poses.iter().map(|p| find(p, "hero").pose.x).collect();
    assert!(beast_x.iter().zip(&hero_x).all(|(b, h)| b < h), "the beast stays behind");
    let gap = |i: usize| hero_x[i] - beast_x[i];
    assert!(gap(ys.len() - 1) < gap(0) * 0.6, "the beast gains: {} → {}", gap(0), gap(ys.len() - 1));
    // The ground scrolls: with the actors and the dust taken out, the rows
    // of its grassy ridge change between frames a tenth of a second apart.
    let mut scenery = spec.clone();
    let Layer::Scenes(sequence) = &mut scenery.layers[0] else { panic!("Run for Life is a sequence of scenes") };
    sequence.scenes[0].layers.retain(|l| !matches!(l, Layer::Actor(_) | Layer::Particles(_)));
    let (a, b) = (frame_of_spec(&scenery, &job, 2.0).unwrap(), frame_of_spec(&scenery, &job, 2.1).unwrap());
    let rows = (a.height() * 80 / 100)..(a.height() * 88 / 100);
    let diff = mean_abs_diff(&a, &b, 0..a.width(), rows);
    assert!(diff > 2.0, "the ground's rows barely changed: {diff}");
}

#[test]
fn run_for_life_the_pet_leaps_the_ravine_in_slow_motion() {
    let spec = spec(RUN_FOR_LIFE);
    let (photo, mask) = synthetic();
    let job = job(&spec, &["Lion"], photo, Some(mask));
    let at = times(5.7, 6.9, 0.02);
    let poses = trace(&spec, &job, &at).unwrap();
    let hero: Vec<_> = poses.iter().map(|p| find(p, "hero").pose).collect();
    let top = hero.iter().map(|p| p.y).fold(f32::MAX, f32::min);
    assert!(hero[0].ground - top > 0.15 * 720.0, "it leaps: from the ground at {} up to {top}", hero[0].ground);
    assert!(hero.last().unwrap().x - hero[0].x > 0.2 * 1280.0, "across the ravine");
    // Slow motion: the second half of the scene's first second covers far
    // less scene time than real time.
    let speed = |i: usize, j: usize| (hero[j].x - hero[i].x).abs() / (at[j] - at[i]);
    let (fast, slow) = (speed(0, 5), speed(20, 30));
    assert!(slow < fast * 0.6, "time ramp: {fast} px/s at the take-off, {slow} px/s mid-air");
}

#[test]
fn on_screen_the_cut_out_is_used_not_the_rectangle() {
    let spec = spec(RUN_FOR_LIFE);
    let (photo, mask) = synthetic();
    let job = job(&spec, &["Lion"], photo, Some(mask));
    let mut centres = Vec::new();
    // Every moment before the end card (which shows the whole photo, on purpose).
    for t in [0.2, 1.0, 2.0, 3.0, 4.0, 5.0, 5.8, 6.3, 6.8] {
        let frame = frame_of_spec(&spec, &job, t).unwrap();
        // The synthetic photo's plain ground: rgb(176, 214, 240).
        let ground = frame.pixels().filter(|p| near(p.0, [176, 214, 240], 14)).count();
        assert!(ground < 40, "{ground} pixels of the photo's plain background on screen at {t} s");
        let orange: Vec<(u32, u32)> = frame
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0[0] > 200 && p.0[1] > 70 && p.0[1] < 170 && p.0[2] < 80)
            .map(|(x, y, _)| (x, y))
            .collect();
        assert!(orange.len() > 2000, "the subject is visible at {t} s ({} px)", orange.len());
        let n = orange.len() as f32;
        let c = orange.iter().fold((0.0, 0.0), |(sx, sy), &(x, y)| (sx + x as f32 / n, sy + y as f32 / n));
        centres.push(c);
    }
    let moved = centres.windows(2).filter(|w| (w[0].0 - w[1].0).abs() + (w[0].1 - w[1].1).abs() > 4.0).count();
    assert!(moved >= centres.len() - 2, "the subject moves on screen: {centres:?}");
}

#[test]
fn run_for_life_the_beast_comes_from_the_text() {
    let spec = spec(RUN_FOR_LIFE);
    let (photo, mask) = synthetic();
    let at = 3.0;
    let frame_and_box = |word: &str| {
        let job = job(&spec, &[word], photo.clone(), Some(mask.clone()));
        let pose = find(&trace(&spec, &job, &[at]).unwrap()[0], "beast").pose;
        // The camera barely moves at 3 s (zoom 1, a few pixels of pan): the box in scene pixels is close enough.
        let (x0, x1) = ((pose.x - pose.w * 0.4).max(0.0) as u32, (pose.x + pose.w * 0.4).min(1279.0) as u32);
        let (y0, y1) = ((pose.y - pose.h * 0.8).max(0.0) as u32, (pose.y - pose.h * 0.2).min(719.0) as u32);
        (frame_of_spec(&spec, &job, f64::from(at)).unwrap(), x0..x1, y0..y1)
    };
    let (lion, xs, ys) = frame_and_box("Lion");
    let (shark, ..) = frame_and_box("鲨鱼");
    let (unknown, ..) = frame_and_box("Zorblax");
    assert!(mean_abs_diff(&lion, &shark, xs.clone(), ys.clone()) > 15.0, "a lion and a shark look different");
    // An unknown word: the dark silhouette.
    let dark = |f: &RgbImage| {
        let px: Vec<_> = ys.clone().flat_map(|y| xs.clone().map(move |x| (x, y))).collect();
        px.iter().filter(|&&(x, y)| f.get_pixel(x, y).0.iter().all(|&c| c < 45)).count() as f32 / px.len() as f32
    };
    assert!(dark(&unknown) > 0.25, "the fallback silhouette is dark: {}", dark(&unknown));
    assert!(dark(&lion) < dark(&unknown) * 0.5, "the lion is not the silhouette");
}

#[test]
fn without_a_cut_out_the_actor_is_the_framed_photo() {
    let spec = spec(RUN_FOR_LIFE);
    let (photo, _) = synthetic();
    let job = job(&spec, &["Lion"], photo, None);
    let frame = frame_of_spec(&spec, &job, 3.0).unwrap();
    // The photo's plain ground shows (inside its frame), and the actor still runs.
    let ground = frame.pixels().filter(|p| near(p.0, [176, 214, 240], 14)).count();
    assert!(ground > 2000, "the framed photo shows its background: {ground} px");
    let poses = trace(&spec, &job, &times(2.0, 3.0, 0.05)).unwrap();
    let ys: Vec<f32> = poses.iter().map(|p| find(p, "hero").pose.y).collect();
    assert!(ys.iter().copied().fold(f32::MIN, f32::max) - ys.iter().copied().fold(f32::MAX, f32::min) > 5.0);
}

#[test]
fn every_fixture_photo_renders_stills_of_the_actor_templates() {
    let spec = spec(RUN_FOR_LIFE);
    for name in ["photo_cat.png", "photo_coffee.png", "photo_astronaut.jpg", "ratio_2x5.jpg", "ratio_5x2.jpg"] {
        let job = job(&spec, &["老虎"], fixture(name).to_rgb8(), None);
        for t in [0.5, 3.0, 6.2, 7.7] {
            let frame = frame_of_spec(&spec, &job, t).unwrap_or_else(|e| panic!("{name} at {t}: {e}"));
            assert_eq!(frame.dimensions(), (1280, 720));
        }
    }
}

fn near(p: [u8; 3], q: [u8; 3], tolerance: i32) -> bool {
    p.iter().zip(q).all(|(&a, b)| (i32::from(a) - i32::from(b)).abs() <= tolerance)
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage, xs: std::ops::Range<u32>, ys: std::ops::Range<u32>) -> f32 {
    let (mut sum, mut n) = (0u64, 0u64);
    for y in ys {
        for x in xs.clone() {
            let (p, q) = (a.get_pixel(x, y).0, b.get_pixel(x, y).0);
            sum += p.iter().zip(q).map(|(&u, v)| u64::from(u.abs_diff(v))).sum::<u64>();
            n += 3;
        }
    }
    sum as f32 / n.max(1) as f32
}

#[test]
fn diving_the_subject_falls_from_the_platform_to_the_water_turning_two_and_a_half_times() {
    for id in ["392747428568649728", "392753057216684038"] {
        let spec = spec(id);
        let (photo, mask) = synthetic();
        let job = job(&spec, &[], photo, Some(mask));
        let at = times(0.0, 3.42, 0.02);
        let poses = trace(&spec, &job, &at).unwrap();
        let diver: Vec<_> = poses.iter().map(|p| find(p, "diver").pose).collect();
        let tower = find(&poses[0], "tower").pose;
        // On the platform (the tower's top) until the take-off…
        let (take_off, entry) = (at.iter().position(|&t| t >= 1.6).unwrap(), at.len() - 1);
        assert!((diver[0].y - tower.y).abs() < 2.0, "stands on the platform: {} vs {}", diver[0].y, tower.y);
        // …down to the water, far below.
        assert!(diver[entry].y - tower.y > 1.0 * 720.0, "falls {} px", diver[entry].y - tower.y);
        let turned = diver[entry].rotate - diver[take_off].rotate;
        assert!(turned >= 720.0, "turns {turned}° between take-off and entry");
        // The words follow the ID: Chinese for one, English for the other.
        let _ = frame_of_spec(&spec, &job, 1.0).unwrap();
    }
}
