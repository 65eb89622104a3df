//! The bearer token: with `--http-token-file`, a request without
//! `Authorization: Bearer TOKEN` gets 401 and nothing else, whatever it
//! asks. The comparison takes the same time wherever the tokens differ.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::Face;

/// Lets the request through only with the right token (or when none is
/// configured).
pub async fn require(State(face): State<Face>, request: Request, next: Next) -> Response {
    let Some(token) = &face.token else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| bearer(value.as_bytes()));
    match given {
        Some(given) if bool::from(given.ct_eq(token.expose())) => next.run(request).await,
        _ => {
            tracing::debug!(
                "refused an HTTP request for {} without the right bearer token",
                request.uri().path()
            );
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"waconnd\"")],
            )
                .into_response()
        }
    }
}

/// The token of an `Authorization: Bearer TOKEN` value (the scheme's case
/// does not matter).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bearer"), None);
    }
}
