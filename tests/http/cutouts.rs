//! A template whose actor is the photo's subject: the server cuts it out
//! while the task is Preparing, stores the mask beside the task's inputs,
//! and the video shows the cut-out, never the photo's plain background.

use crate::support::*;
use std::time::Duration;

#[tokio::test]
async fn the_subject_is_cut_out_once_stored_with_the_inputs_and_acts_in_the_video() {
    let app = TestApp::spawn();
    let id = app.create(&run_for_life_body(&data_url("synthetic_subject.png"), "Lion")).await.id();
    let done = app.wait_until_terminal(&id, Duration::from_secs(180)).await;
    assert_eq!(done.status, Some(Status::Success), "{done:?}\n{}", app.logs());
    // Stored with the inputs, at the photo's size (800×600 is under the working size).
    let stored = app.data_dir().join(format!("inputs/{id}/0.cutout.png"));
    let mask = image::open(&stored).unwrap_or_else(|e| panic!("{}: {e}", stored.display())).to_luma8();
    assert_eq!(mask.dimensions(), (800, 600));
    // It agrees with the synthetic subject's true mask.
    let truth = image::open(fixture("synthetic_subject_mask.png")).unwrap().to_luma8();
    let (mut both, mut either) = (0u32, 0u32);
    for (m, t) in mask.pixels().zip(truth.pixels()) {
        let (a, b) = (m.0[0] >= 128, t.0[0] >= 128);
        both += u32::from(a && b);
        either += u32::from(a || b);
    }
    let iou = f64::from(both) / f64::from(either.max(1));
    assert!(iou > 0.9, "the cut-out overlaps the true subject by {iou:.3} (IoU)");
    // In the chase, the photo's plain light-blue ground never shows: the cut-out is used.
    let video = decode_mp4(&app.download(done.video_url()).await);
    for i in [40, 70, 100, 130] {
        let frame = &video.frames[i];
        let ground = frame
            .pixels()
            .filter(|p| p.0.iter().zip([176u8, 214, 240]).all(|(&c, t)| (i32::from(c) - i32::from(t)).abs() <= 12))
            .count();
        assert!(ground < 200, "frame {i}: {ground} pixels of the photo's background");
    }
    assert!(app.logs().contains("coverage"), "the cut-out's figures are logged");
}
