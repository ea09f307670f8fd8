//! Audio encoders for the MP4's soundtrack: Opus (pure Rust, no cmake or
//! nasm needed), or AAC-LC with the `aac` feature. PCM in, packets out.

use crate::CodecError;
use opus_rs::{Application, OpusEncoder};

pub const SAMPLE_RATE: u32 = 48_000;
pub const CHANNELS: u16 = 2;
/// 20 ms Opus frames.
pub const FRAME: usize = 960;
const BITRATE: i32 = 96_000;
/// Opus's effort, 0..=10 (see [`encode_opus`]).
const COMPLEXITY: i32 = 7;

/// The codec of the MP4's audio track.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AudioCodec {
    /// Opus: open licence; plays in Chromium, Firefox, Safari 17+, Android and ffprobe.
    #[default]
    Opus,
    /// AAC-LC through the Fraunhofer FDK encoder, for players without Opus in MP4.
    #[cfg(feature = "aac")]
    Aac,
}

impl AudioCodec {
    /// Audio samples (per channel) in one packet.
    pub fn frame_len(self) -> usize {
        match self {
            AudioCodec::Opus => FRAME,
            #[cfg(feature = "aac")]
            AudioCodec::Aac => AAC_FRAME,
        }
    }

    /// Encodes interleaved stereo samples into packets of [`Self::frame_len`]
    /// samples each, the first starting at sample 0.
    pub fn encode(self, samples: &[f32]) -> Result<Vec<Vec<u8>>, CodecError> {
        match self {
            AudioCodec::Opus => encode_opus(samples),
            #[cfg(feature = "aac")]
            AudioCodec::Aac => encode_aac(samples),
        }
    }
}

impl std::fmt::Display for AudioCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AudioCodec::Opus => "opus",
            #[cfg(feature = "aac")]
            AudioCodec::Aac => "aac",
        })
    }
}

/// Why a name is not an [`AudioCodec`] of this build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioCodecError {
    #[error("this build has no AAC; rebuild with --features aac")]
    AacNotBuilt,
    #[error("unknown audio codec {0:?} (use opus or aac)")]
    Unknown(String),
}

impl std::str::FromStr for AudioCodec {
    type Err = AudioCodecError;

    /// `opus` or `aac` (any case); `aac` is refused clearly by a build without the feature.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "opus" => Ok(AudioCodec::Opus),
            #[cfg(feature = "aac")]
            "aac" => Ok(AudioCodec::Aac),
            #[cfg(not(feature = "aac"))]
            "aac" => Err(AudioCodecError::AacNotBuilt),
            _ => Err(AudioCodecError::Unknown(s.to_string())),
        }
    }
}

/// Encodes interleaved stereo samples into 20 ms Opus packets (the last frame zero-padded).
pub fn encode_opus(samples: &[f32]) -> Result<Vec<Vec<u8>>, CodecError> {
    let mut enc = OpusEncoder::new(SAMPLE_RATE as i32, usize::from(CHANNELS), Application::Audio)
        .map_err(|e| CodecError::Encode(format!("opus: {e}")))?;
    enc.bitrate_bps = BITRATE;
    // Below 8 the encoder skips its second MDCT for transients and its
    // rate-distortion search of the stereo angle, which a soft synthesized
    // soundtrack at this bitrate doesn't need (the default is 9).
    enc.complexity = COMPLEXITY;
    let step = FRAME * usize::from(CHANNELS);
    let mut packets = Vec::with_capacity(samples.len() / step + 1);
    let mut frame = vec![0f32; step];
    let mut out = vec![0u8; 4000];
    for chunk in samples.chunks(step) {
        frame[..chunk.len()].copy_from_slice(chunk);
        frame[chunk.len()..].fill(0.0);
        let n = enc.encode(&frame, FRAME, &mut out).map_err(|e| CodecError::Encode(format!("opus: {e}")))?;
        packets.push(out[..n].to_vec());
    }
    Ok(packets)
}

/// AAC-LC frames are 1024 samples.
#[cfg(feature = "aac")]
pub const AAC_FRAME: usize = 1024;
#[cfg(feature = "aac")]
const AAC_BITRATE: u32 = 128_000;

/// Encodes interleaved stereo samples into AAC-LC frames (ADTS-framed: muxide
/// takes ADTS and stores the raw access units), one per 1024 samples, the last
/// zero-padded.
///
/// The encoder's output lags its input by its delay (2048 samples, 43 ms) and
/// muxide writes no edit list to hide that, so the leading frames that carry
/// only this priming are dropped: packet `i` holds samples from `i * 1024` on,
/// and its pts `i * 1024 / 48000` keeps the sound in sync with the picture.
#[cfg(feature = "aac")]
pub fn encode_aac(samples: &[f32]) -> Result<Vec<Vec<u8>>, CodecError> {
    use fdk_aac::enc::{AudioObjectType, BitRate, ChannelMode, Encoder, EncoderParams, Transport};
    let fail = |e: fdk_aac::enc::EncoderError| CodecError::Encode(format!("aac: {e}"));
    let enc = Encoder::new(EncoderParams {
        bit_rate: BitRate::Cbr(AAC_BITRATE),
        sample_rate: SAMPLE_RATE,
        transport: Transport::Adts,
        channels: ChannelMode::Stereo,
        audio_object_type: AudioObjectType::Mpeg4LowComplexity,
    })
    .map_err(fail)?;
    let info = enc.info().map_err(fail)?;
    if info.frameLength as usize != AAC_FRAME {
        return Err(CodecError::Encode(format!("aac: unexpected frame length {}", info.frameLength)));
    }
    let channels = usize::from(CHANNELS);
    // Leading silence that makes the delay whole frames, which are then dropped.
    let delay = info.nDelay as usize;
    let lead = (AAC_FRAME - delay % AAC_FRAME) % AAC_FRAME;
    let skip = (delay + lead) / AAC_FRAME;
    let wanted = samples.len().div_ceil(AAC_FRAME * channels);
    // Trailing silence flushes the last frames out of the encoder's look-ahead.
    let tail = (skip + 1) * AAC_FRAME + AAC_FRAME;
    let mut pcm = vec![0i16; (lead + tail) * channels + samples.len()];
    for (d, s) in pcm[lead * channels..].iter_mut().zip(samples) {
        *d = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
    }
    let step = AAC_FRAME * channels;
    // Room for the largest AAC-LC frame: 6144 bits per channel plus the ADTS header.
    let mut out = vec![0u8; 768 * channels + 9];
    let mut packets = Vec::with_capacity(skip + wanted);
    let mut pos = 0;
    while packets.len() < skip + wanted && pos < pcm.len() {
        let done = enc.encode(&pcm[pos..(pos + step).min(pcm.len())], &mut out).map_err(fail)?;
        if done.input_consumed == 0 && done.output_size == 0 {
            break; // no progress: report the shortfall below instead of spinning
        }
        pos += done.input_consumed;
        if done.output_size > 0 {
            packets.push(out[..done.output_size].to_vec());
        }
    }
    if packets.len() < skip + wanted {
        return Err(CodecError::Encode(format!("aac: {} of {} frames came out", packets.len(), skip + wanted)));
    }
    packets.drain(..skip);
    packets.truncate(wanted);
    Ok(packets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_names_parse_and_aac_needs_the_feature() {
        assert_eq!("opus".parse::<AudioCodec>(), Ok(AudioCodec::Opus));
        assert_eq!(" Opus ".parse::<AudioCodec>(), Ok(AudioCodec::Opus));
        assert_eq!(AudioCodec::default(), AudioCodec::Opus);
        assert_eq!(AudioCodec::Opus.to_string(), "opus");
        let unknown = "mp3".parse::<AudioCodec>().unwrap_err();
        assert_eq!(unknown, AudioCodecError::Unknown("mp3".into()));
        assert!(unknown.to_string().contains("use opus or aac"), "{unknown}");
        #[cfg(feature = "aac")]
        {
            assert_eq!("AAC".parse::<AudioCodec>(), Ok(AudioCodec::Aac));
            assert_eq!(AudioCodec::Aac.to_string(), "aac");
        }
        #[cfg(not(feature = "aac"))]
        {
            let e = "aac".parse::<AudioCodec>().unwrap_err();
            assert_eq!(e.to_string(), "this build has no AAC; rebuild with --features aac");
        }
    }
}
