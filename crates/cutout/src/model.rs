//! The embedded U²-Net small model, run by tract (pure Rust, no native ONNX runtime to ship).

use crate::{CutoutError, MODEL_SIDE};
use image::RgbImage;
use tract_linalg::multithread::Executor;
use tract_onnx::prelude::*;

/// `u2netp.onnx` (U²-Net small, Xuebin Qin et al., Apache-2.0; see assets/models/LICENSE-u2netp.txt),
/// embedded so a deployed binary needs no model file next to it and cannot load a different one.
static MODEL_BYTES: &[u8] = include_bytes!("../../../assets/models/u2netp.onnx");

/// Threads for tract's matrix products. Two, because the target machine has two cores; more
/// would only contend with the renderer's own threads.
const THREADS: usize = 2;

/// Below this raw range (max − min of the model's sigmoid output), min-max normalisation would
/// amplify a flat, undecided map into a confident-looking mask. The map is then divided by this
/// instead, so a flat answer stays flat (and faint) in the final alpha, where
/// [`crate::Analysis::of`] can see it.
const MIN_RAW_RANGE: f32 = 0.5;

/// ImageNet statistics, as rembg normalises U²-Net's input.
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

pub(crate) struct Model {
    plan: Arc<TypedRunnableModel>,
}

impl Model {
    pub(crate) fn load() -> Result<Model, CutoutError> {
        let err = |e: TractError| CutoutError::ModelLoad(format!("{e:#}"));
        let side = MODEL_SIDE as usize;
        let model = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(MODEL_BYTES))
            .map_err(err)?
            .with_input_fact(0, f32::fact([1, 3, side, side]).into())
            .map_err(err)?
            .into_optimized()
            .map_err(err)?;
        // The plan carries its own executor, so tract's process-wide default (which other code
        // in the process may rely on) is left alone.
        let options = RunOptions { executor: Some(Executor::multithread(THREADS)), ..Default::default() };
        let plan = model.into_runnable_with_options(&options).map_err(err)?;
        Ok(Model { plan })
    }

    /// Runs the model on a preprocessed input; answers the normalised 320×320 map (row-major,
    /// 0..1) and the raw output's (min, max).
    pub(crate) fn run(&self, input: Tensor) -> Result<(Vec<f32>, (f32, f32)), CutoutError> {
        let err = |e: TractError| CutoutError::Inference(format!("{e:#}"));
        let outputs = self.plan.run(tvec!(input.into_tvalue())).map_err(err)?;
        // Output 0 is U²-Net's fused map (d0); the other six are its side outputs.
        let view = outputs[0].to_plain_array_view::<f32>().map_err(err)?;
        let side = MODEL_SIDE as usize;
        if view.len() != side * side {
            return Err(CutoutError::Inference(format!("unexpected output shape {:?}", view.shape())));
        }
        let raw: Vec<f32> = view.iter().copied().collect();
        Ok(normalise(raw))
    }
}

/// Min-max normalisation as rembg does it, except that a range below [`MIN_RAW_RANGE`] is not
/// stretched to 0..1 (see there). Non-finite values are treated as 0.
fn normalise(mut map: Vec<f32>) -> (Vec<f32>, (f32, f32)) {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for v in map.iter_mut() {
        if !v.is_finite() {
            *v = 0.0;
        }
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    let range = (hi - lo).max(MIN_RAW_RANGE);
    for v in map.iter_mut() {
        *v = ((*v - lo) / range).clamp(0.0, 1.0);
    }
    (map, (lo, hi))
}

/// The model's input from the working-size photo: 320×320 (triangle filter), RGB/255, ImageNet
/// mean and std, NCHW 1×3×320×320: what rembg feeds U²-Net.
pub(crate) fn preprocess(working: &RgbImage) -> Tensor {
    let side = MODEL_SIDE as usize;
    let small = crate::refine::resize_rgb(working, MODEL_SIDE, MODEL_SIDE);
    let mut data = vec![0f32; 3 * side * side];
    let plane = side * side;
    for (i, px) in small.pixels().enumerate() {
        for c in 0..3 {
            data[c * plane + i] = (f32::from(px[c]) / 255.0 - MEAN[c]) / STD[c];
        }
    }
    Tensor::from_shape(&[1, 3, side, side], &data).expect("shape matches data length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_stretches_a_decided_map_and_not_a_flat_one() {
        let (m, r) = normalise(vec![0.1, 0.5, 0.9]);
        assert_eq!(r, (0.1, 0.9));
        assert!((m[0] - 0.0).abs() < 1e-6 && (m[2] - 1.0).abs() < 1e-6);
        let (m, _) = normalise(vec![0.40, 0.45, 0.50]);
        assert!(m.iter().all(|&v| v <= 0.2 + 1e-6), "{m:?}");
    }
}
