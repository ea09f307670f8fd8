//! A thin, safe wrapper over OpenH264's encoder (built from bundled source).
//!
//! Why not the `openh264` crate's `Encoder`: it fixes one slice per frame
//! (so the encoder, the slowest stage, runs on one core), and it silences
//! OpenH264's log only after initialising (every render printed a
//! rate-control warning to stderr).
//!
//! One encoder is one thread and one slice per frame: parallelism comes from
//! encoding independent groups of pictures of a video side by side (see
//! [`crate::lanes::plan`]), which scales better than slices, whose threads
//! meet at every frame. Nothing depends on timing (OpenH264's load
//! balancing is off), so the bitstream is byte-identical from run to run and
//! machine to machine (tested).

use crate::yuv::I420;
use crate::CodecError;
use openh264::formats::YUVSource;
use openh264_sys2::{
    videoFormatI420, videoFrameTypeI, videoFrameTypeIDR, DynamicAPI, ISVCEncoder, SEncParamExt, SFrameBSInfo,
    SSourcePicture, API, CAMERA_VIDEO_REAL_TIME, DEBLOCKING_IDC_0, ENCODER_OPTION_DATAFORMAT,
    ENCODER_OPTION_TRACE_LEVEL, LOW_COMPLEXITY, RC_BITRATE_MODE, SM_SINGLE_SLICE, WELS_LOG_QUIET,
};
use std::os::raw::{c_int, c_void};

/// One encoded frame (Annex B NAL units).
#[derive(Debug, Clone)]
pub struct Packet {
    pub data: Vec<u8>,
    pub keyframe: bool,
}

/// Encoder settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct H264Settings {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The average bitrate never exceeded (bits per second).
    pub max_bitrate: u32,
}

/// The finest quantiser the rate control may use: constant quality, like
/// x264's CRF, unless that would exceed the bitrate ceiling. At 25 the
/// reference templates match the SSIM of `x264 -preset veryfast` at its
/// default CRF 23 (0.990 on Run for Life and on a photo zoom), and 6 s of a
/// photo zoom take about 0.5 MB instead of the 1.4 MB a fixed 2 Mbit/s
/// spent; fewer bits also mean less encoder work (docs/benchmarks.md).
pub const FINEST_QP: i32 = 25;

/// One OpenH264 encoder instance.
pub struct H264Encoder {
    api: DynamicAPI,
    encoder: *mut ISVCEncoder,
    info: Box<SFrameBSInfo>,
    settings: H264Settings,
}

// The encoder object is only ever used through `&mut self`.
unsafe impl Send for H264Encoder {}

fn check(what: &str, code: c_int) -> Result<(), CodecError> {
    if code == 0 {
        Ok(())
    } else {
        Err(CodecError::Encode(format!("openh264 {what} failed with code {code}")))
    }
}

impl H264Encoder {
    pub fn new(settings: H264Settings) -> Result<H264Encoder, CodecError> {
        let H264Settings { width, height, fps, max_bitrate: bitrate } = settings;
        if width % 2 != 0 || height % 2 != 0 || width == 0 || height == 0 || width > 3840 || height > 3840 {
            return Err(CodecError::Input(format!("frame size {width}x{height} must be even, non-zero and ≤ 3840")));
        }
        let api = DynamicAPI::from_source();
        let mut encoder: *mut ISVCEncoder = std::ptr::null_mut();
        // SAFETY: the out-pointer is valid; the result is checked before use.
        check("create", unsafe { api.WelsCreateSVCEncoder(&mut encoder) })?;
        if encoder.is_null() {
            return Err(CodecError::Encode("openh264 returned no encoder".into()));
        }
        let mut this = H264Encoder { api, encoder, info: Box::new(SFrameBSInfo::default()), settings };
        // Quiet before initialising: otherwise it logs a warning per render to stderr.
        let mut quiet: c_int = WELS_LOG_QUIET as c_int;
        this.set_option(ENCODER_OPTION_TRACE_LEVEL, &mut quiet as *mut c_int as *mut c_void)?;

        let vtbl = this.vtbl();
        let mut params = SEncParamExt::default();
        // SAFETY: `params` is a valid, writable struct of the expected type.
        check("defaults", unsafe { (vtbl.GetDefaultParams.expect("vtable"))(this.encoder, &mut params) })?;
        params.iUsageType = CAMERA_VIDEO_REAL_TIME;
        params.iPicWidth = width as c_int;
        params.iPicHeight = height as c_int;
        params.iTargetBitrate = bitrate as c_int;
        params.iMaxBitrate = bitrate as c_int * 2;
        params.iRCMode = RC_BITRATE_MODE;
        // A floor under the quantiser: a bitrate target alone spends every
        // bit it is given, even where the picture is already clean.
        params.iMinQp = FINEST_QP;
        params.fMaxFrameRate = fps as f32;
        // Every frame must be in the file: constant frame rate, exact frame count.
        params.bEnableFrameSkip = false;
        // Keyframes only where a GOP opens (the first frame, then
        // [`H264Encoder::force_keyframe`]): the GOPs are planned by the caller.
        params.uiIntraPeriod = 0;
        params.iComplexityMode = LOW_COMPLEXITY;
        // Scene-change detection would only turn a hard cut into a keyframe
        // (its macroblocks are coded intra anyway), and it costs work on
        // every frame.
        params.bEnableSceneChangeDetect = false;
        // One thread. Load balancing moves slice borders by measured timings,
        // which would make the output vary from run to run.
        params.iMultipleThreadIdc = 1;
        params.bUseLoadBalancing = false;
        params.iLoopFilterDisableIdc = DEBLOCKING_IDC_0 as c_int;
        params.iSpatialLayerNum = 1;
        params.iTemporalLayerNum = 1;
        let layer = &mut params.sSpatialLayers[0];
        layer.iVideoWidth = width as c_int;
        layer.iVideoHeight = height as c_int;
        layer.fFrameRate = fps as f32;
        layer.iSpatialBitrate = bitrate as c_int;
        layer.iMaxSpatialBitrate = bitrate as c_int * 2;
        layer.sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
        // SAFETY: `params` is fully initialised above.
        check("initialise", unsafe { (vtbl.InitializeExt.expect("vtable"))(this.encoder, &params) })?;
        let mut format: c_int = videoFormatI420 as c_int;
        this.set_option(ENCODER_OPTION_DATAFORMAT, &mut format as *mut c_int as *mut c_void)?;
        Ok(this)
    }

    pub fn settings(&self) -> H264Settings {
        self.settings
    }

    fn vtbl(&self) -> &openh264_sys2::ISVCEncoderVtbl {
        // SAFETY: `encoder` points at a live encoder whose first field is its vtable.
        unsafe { &**self.encoder }
    }

    fn set_option(&mut self, option: openh264_sys2::ENCODER_OPTION, value: *mut c_void) -> Result<(), CodecError> {
        let set = self.vtbl().SetOption.expect("vtable");
        // SAFETY: callers pass a pointer to the type the option expects.
        check("set option", unsafe { set(self.encoder, option, value) })
    }

    /// Makes the next frame an IDR keyframe, which opens a group of pictures
    /// that decodes on its own (frame numbers and picture order restart).
    pub fn force_keyframe(&mut self) -> Result<(), CodecError> {
        let force = self.vtbl().ForceIntraFrame.expect("vtable");
        // SAFETY: a live encoder; with one spatial layer and no simulcast the
        // C++ method's optional layer argument is ignored.
        check("force keyframe", unsafe { force(self.encoder, true) })
    }

    /// Encodes one I420 frame, appending its Annex B NAL units to `out`.
    /// Returns whether the frame is a keyframe.
    pub fn encode(&mut self, yuv: &I420, out: &mut Vec<u8>) -> Result<bool, CodecError> {
        let (w, h) = yuv.dimensions();
        if (w as u32, h as u32) != (self.settings.width, self.settings.height) {
            return Err(CodecError::Input(format!(
                "frame is {w}x{h}, the encoder expects {}x{}",
                self.settings.width, self.settings.height
            )));
        }
        let (ys, us, vs) = yuv.strides();
        let picture = SSourcePicture {
            iColorFormat: videoFormatI420 as c_int,
            iStride: [ys as c_int, us as c_int, vs as c_int, 0],
            // The encoder only reads the planes.
            pData: [
                yuv.y().as_ptr().cast_mut(),
                yuv.u().as_ptr().cast_mut(),
                yuv.v().as_ptr().cast_mut(),
                std::ptr::null_mut(),
            ],
            iPicWidth: w as c_int,
            iPicHeight: h as c_int,
            uiTimeStamp: 0,
            bPsnrY: false,
            bPsnrU: false,
            bPsnrV: false,
        };
        let encode = self.vtbl().EncodeFrame.expect("vtable");
        // SAFETY: the picture's planes are valid for its size and strides; `info` is writable.
        check("encode", unsafe { encode(self.encoder, &picture, &mut *self.info) })?;
        let info = &*self.info;
        for layer in &info.sLayerInfo[..info.iLayerNum.clamp(0, 128) as usize] {
            let nals = layer.iNalCount.max(0) as usize;
            if nals == 0 || layer.pNalLengthInByte.is_null() || layer.pBsBuf.is_null() {
                continue;
            }
            // SAFETY: openh264 guarantees `iNalCount` lengths and a buffer holding their sum.
            let len: usize = unsafe { std::slice::from_raw_parts(layer.pNalLengthInByte, nals) }
                .iter()
                .map(|&n| n.max(0) as usize)
                .sum();
            out.extend_from_slice(unsafe { std::slice::from_raw_parts(layer.pBsBuf, len) });
        }
        Ok(matches!(info.eFrameType, t if t == videoFrameTypeIDR || t == videoFrameTypeI))
    }
}

impl Drop for H264Encoder {
    fn drop(&mut self) {
        // SAFETY: created by WelsCreateSVCEncoder and not used after this.
        unsafe {
            if let Some(uninit) = self.vtbl().Uninitialize {
                uninit(self.encoder);
            }
            self.api.WelsDestroySVCEncoder(self.encoder);
        }
    }
}
