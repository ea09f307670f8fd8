//! A look-ahead peak limiter over the whole mix, so that loud cues piled on
//! the music never clip (and the decoded Opus stays under −1 dBFS).
//!
//! Offline, so the look-ahead needs no delay line: the gain at each sample
//! already knows the peaks of the next [`LOOKAHEAD`] samples.
//!
//! 1. `need[i]`: the gain that brings sample `i` (the louder channel) to the
//!    ceiling (or, for samples far over it, a little under: see [`DEEPER`]),
//!    or 1;
//! 2. `min[i]`: the least `need` over the window `[i, i + LOOKAHEAD]`;
//! 3. `hold[i]`: `min` with a smooth release (gain recovers towards 1 with a
//!    [`RELEASE_SECS`] time constant, but never above `min`);
//! 4. `gain[i]`: the mean of `hold` over `[i − LOOKAHEAD, i]` — a linear
//!    attack ramp over the look-ahead, and never above `need[i]`: every
//!    window that mean averages contains `i`, so each term is ≤ `need[i]`.
//!
//! Where the mix stays under the ceiling the gain is exactly 1 and the
//! samples pass unchanged, bit for bit.

use super::dsp::SR;
use crate::math::{exp, pow};
use std::collections::VecDeque;

/// Look-ahead (and attack) in samples: 5 ms.
pub(super) const LOOKAHEAD: usize = 240;
/// Heavy limiting goes a little further under the ceiling: by this fraction
/// of its depth in dB, up to [`MOST_DEEPER`]. Opus does not keep a waveform's
/// exact peaks: where many samples were pressed flat against the ceiling
/// (loud noise squeezed by several dB) the decoded samples scatter up to
/// about a dB above it, and this keeps them under −1 dBFS.
const DEEPER: f64 = 0.25;
/// −1 dB.
const MOST_DEEPER: f64 = 0.891_250_938_133_745_5;
/// Release time constant.
const RELEASE_SECS: f64 = 0.08;
/// How close to 1 the recovering gain snaps to exactly 1 (an exponential
/// never gets there): after about 0.7 s from the deepest reduction.
const SNAP: f64 = 1e-4;

/// Limits interleaved stereo `mix` so that no sample exceeds `ceiling` in magnitude.
pub(super) fn limit(mix: &mut [f64], ceiling: f64) {
    let frames = mix.len() / 2;
    let need: Vec<f64> = mix
        .chunks_exact(2)
        .map(|c| {
            let peak = c[0].abs().max(c[1].abs());
            if peak > ceiling {
                let g = ceiling / peak;
                g * pow(g, DEEPER).max(MOST_DEEPER)
            } else {
                1.0
            }
        })
        .collect();
    if need.iter().all(|g| *g == 1.0) {
        return;
    }
    // 2. Sliding minimum over the next LOOKAHEAD samples (a monotonic deque, back to front).
    let mut min = vec![1.0; frames];
    let mut window: VecDeque<usize> = VecDeque::new();
    for i in (0..frames).rev() {
        while window.back().is_some_and(|&j| need[j] >= need[i]) {
            window.pop_back();
        }
        window.push_back(i);
        while window.front().is_some_and(|&j| j > i + LOOKAHEAD) {
            window.pop_front();
        }
        min[i] = need[window[0]];
    }
    // 3. Release: instant down, exponential back up.
    let recover = exp(-1.0 / (RELEASE_SECS * SR));
    let mut hold = min;
    let mut g = 1.0;
    for h in hold.iter_mut() {
        g = 1.0 - (1.0 - g) * recover;
        if g > 1.0 - SNAP {
            g = 1.0; // recovered (−0.001 dB): the music passes bit for bit again
        }
        g = g.min(*h);
        *h = g;
    }
    // 4. Attack: a moving average of LOOKAHEAD + 1 samples (1 before the start).
    let span = (LOOKAHEAD + 1) as f64;
    let mut sum = span;
    let mut run = 0; // how many samples `hold` has been exactly 1
    for i in 0..frames {
        sum += hold[i] - if i > LOOKAHEAD { hold[i - LOOKAHEAD - 1] } else { 1.0 };
        run = if hold[i] == 1.0 { run + 1 } else { 0 };
        if run > LOOKAHEAD {
            sum = span; // a window of ones: drop the running sum's rounding, pass the samples exactly
            continue;
        }
        // The running sum's rounding is far below the clamp's reach; the clamp keeps the promise.
        let gain = (sum / span).min(need[i]);
        for x in &mut mix[2 * i..2 * i + 2] {
            *x = (*x * gain).clamp(-ceiling, ceiling);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soundtrack::dsp::Noise;

    #[test]
    fn peaks_are_held_under_the_ceiling_and_quiet_audio_passes_untouched() {
        let mut noise = Noise::new(9);
        // Quiet noise (as interleaved stereo) with a loud burst and single-sample spikes.
        let mut mix: Vec<f64> = (0..400_000).map(|_| 0.2 * noise.white()).collect();
        for x in &mut mix[10_000..12_000] {
            *x *= 6.0;
        }
        mix[100_000] = 3.0;
        mix[100_003] = -2.5;
        mix[399_999] = 1.5; // the very end: no look-ahead left
        let before = mix.clone();
        limit(&mut mix, 0.5);
        let peak = mix.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        assert!(peak <= 0.5, "{peak}");
        // Before the loud parts and long after them nothing changed.
        assert!(mix[..9_000] == before[..9_000]);
        assert!(mix[200_000..399_000] == before[200_000..399_000]);
        // The gain falls before a spike (look-ahead), not at it, and is back to 1 before that.
        let gain = |i: usize| mix[i] / before[i];
        assert!(gain(99_990) < 0.5 && gain(99_000) == 1.0, "{} {}", gain(99_990), gain(99_000));
        // The gain is smooth: it changes per sample no faster than the attack ramp (a drop
        // from 1 to 1/6 over 241 samples) allows.
        let g: Vec<(usize, f64)> =
            (80_000..120_000).step_by(2).filter(|i| before[*i].abs() > 0.05).map(|i| (i, mix[i] / before[i])).collect();
        let slope = |w: &[(usize, f64)]| (w[1].1 - w[0].1).abs() / ((w[1].0 - w[0].0) / 2) as f64;
        let steepest = g.windows(2).map(slope).fold(0.0, f64::max);
        assert!(steepest < 0.004, "{steepest}");

        let mut quiet: Vec<f64> = (0..10_000).map(|_| 0.3 * noise.white()).collect();
        let copy = quiet.clone();
        limit(&mut quiet, 0.5);
        assert!(quiet == copy, "bit for bit");
    }
}
