//! AAC soundtracks (the `aac` feature): the MP4 carries a proper `mp4a`
//! track, and the sound is in sync with the picture because the encoder's
//! priming frames are dropped (muxide writes no edit list to skip them).
//! Checked by decoding with the FDK decoder that ships with the encoder.
#![cfg(feature = "aac")]

use fdk_aac::dec::{Decoder, Transport};
use std::sync::atomic::AtomicBool;
use videoagent_codec::audio::{encode_aac, AAC_FRAME, SAMPLE_RATE};
use videoagent_codec::band::whole_frames;
use videoagent_codec::{write_video, AudioCodec, CodecError, EncodeControl, VideoFormat, LANES};

/// AudioSpecificConfig of AAC-LC (2), 48 kHz (index 3), stereo (2).
const ASC_LC_48K_STEREO: u16 = 2 << 11 | 3 << 7 | 2 << 3;

/// Decodes raw AAC access units into interleaved stereo, without the
/// decoder's own output delay (which it reports), so that decoded sample `i`
/// is what the first access unit's sample `i` became. That delay is the
/// decoder's (its limiter and concealment look-ahead), not the stream's: an
/// ordinary decoder such as ffmpeg's has none.
fn decode(asc: u16, units: &[&[u8]]) -> Vec<i16> {
    let mut decoder = Decoder::new(Transport::Raw);
    decoder.config_raw(&asc.to_be_bytes()).unwrap();
    let mut out = Vec::new();
    let mut pcm = vec![0i16; 2 * 2048];
    for unit in units {
        assert_eq!(decoder.fill(unit).unwrap(), unit.len(), "whole unit taken");
        decoder.decode_frame(&mut pcm).unwrap();
        out.extend_from_slice(&pcm[..decoder.decoded_frame_size()]);
    }
    let info = decoder.stream_info();
    assert_eq!((info.numChannels, info.sampleRate, info.frameSize), (2, SAMPLE_RATE as i32, AAC_FRAME as i32));
    out.split_off(2 * info.outputDelay as usize)
}

/// The access unit inside an ADTS frame of AAC-LC, 48 kHz stereo, without CRC.
fn adts_payload(frame: &[u8]) -> &[u8] {
    assert!(frame.len() > 7 && frame[0] == 0xff && frame[1] == 0xf1, "ADTS sync, MPEG-4, no CRC");
    let (profile, freq, chans) = (frame[2] >> 6, (frame[2] >> 2) & 0xf, (frame[2] & 1) << 2 | frame[3] >> 6);
    assert_eq!((profile, freq, chans), (1, 3, 2), "LC, 48 kHz, stereo");
    let len = usize::from(frame[3] & 3) << 11 | usize::from(frame[4]) << 3 | usize::from(frame[5] >> 5);
    assert_eq!(len, frame.len(), "one whole ADTS frame per packet");
    &frame[7..]
}

/// Lag (in samples, within ±`max`) at which `got` best matches `want`, over `range` of `want`.
fn best_lag(want: &[f64], got: &[f64], range: std::ops::Range<usize>, max: isize) -> isize {
    let score = |lag: isize| -> f64 {
        range.clone().map(|i| want[i] * got.get((i as isize + lag) as usize).copied().unwrap_or(0.0)).sum()
    };
    (-max..=max).max_by(|a, b| score(*a).total_cmp(&score(*b))).unwrap()
}

/// `secs` of interleaved stereo: a rising tone under a slow swell, and faint
/// noise bursts, so that the best match of a decoded copy against it is
/// unique (and, being mostly tonal, a perceptual codec keeps its waveform).
fn test_signal(secs: f64) -> Vec<f32> {
    use std::f64::consts::TAU;
    let sr = f64::from(SAMPLE_RATE);
    let n = (secs * sr) as usize;
    let mut noise = 0x1234_5678u32;
    let mut burst = 0.0f64;
    let mut out = Vec::with_capacity(2 * n);
    for i in 0..n {
        let t = i as f64 / sr;
        if i % 7_919 == 0 {
            burst = 1.0;
        }
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        let hiss = (f64::from(noise) / f64::from(u32::MAX) * 2.0 - 1.0) * 0.02 * burst;
        burst *= 0.999;
        let swell = 0.75 + 0.25 * (TAU * 0.7 * t).sin();
        // A rising tone (200 Hz up by 150 Hz a second): no lag but zero matches it.
        let tones = 0.3 * (TAU * (200.0 * t + 75.0 * t * t)).sin();
        let v = (swell * tones + hiss) as f32;
        out.extend([v, v]);
    }
    out
}

fn mono(interleaved: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let v: Vec<f64> = interleaved.into_iter().collect();
    v.chunks(2).map(|c| (c[0] + c[1]) / 2.0).collect()
}

#[test]
fn aac_frames_start_at_time_zero() {
    // One second of silence with a click between frame boundaries.
    let (n, click) = (48_000usize, 10_000usize);
    let mut samples = vec![0f32; 2 * n];
    samples[2 * click] = 0.8;
    samples[2 * click + 1] = 0.8;
    let packets = encode_aac(&samples).unwrap();
    assert_eq!(packets.len(), n.div_ceil(AAC_FRAME), "one packet per 1024 samples, none for priming");
    assert_eq!(encode_aac(&samples).unwrap(), packets, "deterministic, like the rest of a render");
    let units: Vec<&[u8]> = packets.iter().map(|p| adts_payload(p)).collect();
    let pcm = decode(ASC_LC_48K_STEREO, &units);
    let peak = (0..pcm.len() / 2).max_by_key(|&i| pcm[2 * i].unsigned_abs()).unwrap();
    // Uncorrected, the click would come out 2048 samples (43 ms) late.
    assert!(peak.abs_diff(click) <= 16, "click at sample {click} decoded at {peak}");
    assert!(pcm[2 * peak].unsigned_abs() > 8000, "the click survives: {}", pcm[2 * peak]);
}

#[test]
fn aac_video_has_an_mp4a_track_in_sync_with_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("aac.mp4");
    let format = VideoFormat { width: 320, height: 240, fps: 25, frames: 50 };
    let cancel = AtomicBool::new(false);
    let ctl = EncodeControl { cancel: &cancel, progress: &|_, _| {}, audio: AudioCodec::Aac, lanes: LANES };
    let draw = |i: u32, frame: &mut [u8]| frame.fill((i * 5) as u8);
    let pcm = || test_signal(format.secs());
    write_video(&out, format, pcm, || Ok::<_, CodecError>(whole_frames(draw, format.width)), &ctl).unwrap();

    let bytes = std::fs::read(&out).unwrap();
    let mut reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(&bytes), bytes.len() as u64).unwrap();
    let video_secs = reader
        .tracks()
        .values()
        .find(|t| t.media_type().ok() == Some(mp4::MediaType::H264))
        .expect("an H.264 track")
        .duration()
        .as_secs_f64();
    let track = reader.tracks().values().find(|t| t.track_type().ok() == Some(mp4::TrackType::Audio)).unwrap();
    assert_eq!(track.media_type().unwrap(), mp4::MediaType::AAC);
    let mp4a = track.trak.mdia.minf.stbl.stsd.mp4a.as_ref().expect("an mp4a sample entry");
    assert_eq!((mp4a.samplerate.value(), mp4a.channelcount), (48_000, 2));
    let profile = track.audio_profile().unwrap();
    let (freq, chans) = (track.sample_freq_index().unwrap(), track.channel_config().unwrap());
    assert_eq!(profile, mp4::AudioObjectType::AacLowComplexity);
    assert_eq!((freq, chans), (mp4::SampleFreqIndex::Freq48000, mp4::ChannelConfig::Stereo));
    let audio_secs = track.duration().as_secs_f64();
    assert!((audio_secs - video_secs).abs() < 0.05, "audio {audio_secs} s vs video {video_secs} s");
    let (id, count, timescale) = (track.track_id(), track.sample_count(), u64::from(track.timescale()));
    assert_eq!(count as usize, (2 * 48_000usize).div_ceil(AAC_FRAME));

    let mut samples = Vec::new();
    for i in 1..=count {
        let sample = reader.read_sample(id, i).unwrap().unwrap();
        let want_start = u64::from(i - 1) * AAC_FRAME as u64 * timescale / u64::from(SAMPLE_RATE);
        assert_eq!(sample.start_time, want_start, "sample {i} starts at (i-1)*1024/48000 s");
        assert_ne!(sample.bytes.get(..2), Some(&[0xff, 0xf1][..]), "stored without the ADTS header");
        samples.push(sample.bytes);
    }
    // The decoder is configured from the file's own AudioSpecificConfig fields.
    let asc = (profile as u16) << 11 | (freq as u16) << 7 | (chans as u16) << 3;
    assert_eq!(asc, ASC_LC_48K_STEREO);
    let units: Vec<&[u8]> = samples.iter().map(|b| &b[..]).collect();
    let got = mono(decode(asc, &units).into_iter().map(|s| f64::from(s) / 32768.0));
    let want = mono(test_signal(2.0).into_iter().map(f64::from));
    // The decoded sound lines up with the original sample for sample (its
    // noise bursts make the best match unique).
    let lag = best_lag(&want, &got, 24_000..72_000, 2_200);
    assert!(lag.abs() <= 2, "decoded audio is {lag} samples off");
    let err: f64 = (24_000..72_000).map(|i| (want[i] - got[i]).powi(2)).sum();
    let energy: f64 = (24_000..72_000).map(|i| want[i].powi(2)).sum();
    assert!(err < energy / 100.0, "close to the original: SNR {:.1} dB", 10.0 * (energy / err).log10());
}
