//! The OpenAPI document, generated from the handlers and wire types.

use crate::reply::BaseResp;
use crate::routes::tasks::{
    MediaInput, QueryBaseResp, QueryVideoTemplateGenerationTaskResp, TextInput, VideoProcessStatus,
    VideoTemplateGenerationReq, VideoTemplateGenerationResp,
};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "videoagent",
        description = "A self-hosted server for MiniMax's Video Agent (video template generation) API. \
                       Errors are reported in `base_resp` with HTTP 200, as MiniMax does."
    ),
    paths(crate::routes::tasks::create_task, crate::routes::tasks::query_task),
    components(schemas(
        VideoTemplateGenerationReq, TextInput, MediaInput, VideoTemplateGenerationResp,
        QueryVideoTemplateGenerationTaskResp, BaseResp, VideoProcessStatus, QueryBaseResp
    )),
    modifiers(&BearerAuth),
    tags((name = "Video", description = "Video template generation"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("API key (sk-api-...)")).build(),
            ),
        );
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
