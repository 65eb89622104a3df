//! The responder side of WhatsApp's Noise handshakes: XX for clients without
//! the server's key, IK for clients that cached it, XXfallback for clients
//! whose cached key is stale.

use anyhow::{Context, bail};
use buffa::Message;
use wacore::handshake::{NoiseCipher, NoiseHandshake};
use wacore_binary::consts::{
    NOISE_PATTERN_IK, NOISE_PATTERN_XX, NOISE_PATTERN_XXFALLBACK, WA_CONN_HEADER,
};
use waproto::whatsapp::{self as wa, handshake_message};

use crate::wire::keys::ServerKeys;
use crate::wire::transport::FrameIo;

/// Which pattern a handshake completed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    Xx,
    Ik,
    XxFallback,
}

/// A finished handshake: transport ciphers and what the client said.
pub(crate) struct Outcome {
    pub read: NoiseCipher,
    pub write: NoiseCipher,
    /// The client's static Noise key (its `noise_key`).
    pub client_static: [u8; 32],
    pub payload: wa::ClientPayload,
    pub pattern: Pattern,
}

/// Runs the server side of the handshake on a fresh connection.
pub(crate) async fn respond(keys: &ServerKeys, io: &mut FrameIo) -> anyhow::Result<Outcome> {
    let hello = io.recv().await?.context("client closed before its hello")?;
    let hello = wa::HandshakeMessage::decode_from_slice(&hello).context("bad ClientHello")?;
    let hello = hello.client_hello.into_option().context("no ClientHello")?;
    let client_eph = key32(hello.ephemeral.as_deref()).context("ClientHello ephemeral")?;
    match (hello.r#static.as_deref(), hello.payload.as_deref()) {
        (Some(encrypted_static), Some(encrypted_payload)) => {
            match ik(keys, &client_eph, encrypted_static, encrypted_payload)? {
                Some((noise, client_static, payload)) => {
                    ik_reply(keys, io, noise, &client_eph, client_static, payload).await
                }
                None => xx(keys, io, &client_eph, Pattern::XxFallback).await,
            }
        }
        _ => xx(keys, io, &client_eph, Pattern::Xx).await,
    }
}

/// An IK first message read: the handshake so far, the client's static key
/// and its login payload.
type IkRead = (NoiseHandshake, [u8; 32], Vec<u8>);

/// The IK first message; `None` when the client encrypted to another server
/// key, which calls for XXfallback.
fn ik(
    keys: &ServerKeys,
    client_eph: &[u8; 32],
    encrypted_static: &[u8],
    encrypted_payload: &[u8],
) -> anyhow::Result<Option<IkRead>> {
    let mut noise = NoiseHandshake::new(NOISE_PATTERN_IK, &WA_CONN_HEADER)?;
    noise.authenticate(keys.public());
    noise.authenticate(client_eph);
    noise.mix_shared_secret(keys.private(), client_eph)?;
    let Ok(client_static) = noise.decrypt(encrypted_static) else {
        return Ok(None);
    };
    let client_static = key32(Some(&client_static)).context("IK client static")?;
    noise.mix_shared_secret(keys.private(), &client_static)?;
    let payload = noise.decrypt(encrypted_payload).context("IK payload")?;
    Ok(Some((noise, client_static, payload)))
}

async fn ik_reply(
    keys: &ServerKeys,
    io: &mut FrameIo,
    mut noise: NoiseHandshake,
    client_eph: &[u8; 32],
    client_static: [u8; 32],
    payload: Vec<u8>,
) -> anyhow::Result<Outcome> {
    let eph = wacore::crypto::generate_curve_key_pair();
    noise.authenticate(eph.public_key.public_key_bytes());
    noise.mix_shared_secret(eph.private_key.serialize(), client_eph)?;
    noise.mix_shared_secret(eph.private_key.serialize(), &client_static)?;
    let certificate = noise.encrypt(&keys.cert_chain)?;
    let hello = server_hello(eph.public_key.public_key_bytes(), None, certificate);
    io.send(&hello).await?;
    let (read, write) = noise.finish()?;
    Ok(Outcome {
        read,
        write,
        client_static,
        payload: decode_payload(&payload)?,
        pattern: Pattern::Ik,
    })
}

/// XX, or XXfallback seeded with the ephemeral of a failed IK hello: the
/// same exchange under another protocol name.
async fn xx(
    keys: &ServerKeys,
    io: &mut FrameIo,
    client_eph: &[u8; 32],
    pattern: Pattern,
) -> anyhow::Result<Outcome> {
    let name = match pattern {
        Pattern::XxFallback => NOISE_PATTERN_XXFALLBACK,
        _ => NOISE_PATTERN_XX,
    };
    let mut noise = NoiseHandshake::new(name, &WA_CONN_HEADER)?;
    noise.authenticate(client_eph);
    let eph = wacore::crypto::generate_curve_key_pair();
    noise.authenticate(eph.public_key.public_key_bytes());
    noise.mix_shared_secret(eph.private_key.serialize(), client_eph)?;
    let encrypted_static = noise.encrypt(keys.public())?;
    noise.mix_shared_secret(keys.private(), client_eph)?;
    let certificate = noise.encrypt(&keys.cert_chain)?;
    let hello = server_hello(
        eph.public_key.public_key_bytes(),
        Some(encrypted_static),
        certificate,
    );
    io.send(&hello).await?;

    let finish = io
        .recv()
        .await?
        .context("client closed before its finish")?;
    let finish = wa::HandshakeMessage::decode_from_slice(&finish).context("bad ClientFinish")?;
    let finish = finish
        .client_finish
        .into_option()
        .context("no ClientFinish")?;
    let client_static = noise
        .decrypt(finish.r#static.as_deref().context("ClientFinish static")?)
        .context("ClientFinish static does not decrypt")?;
    let client_static = key32(Some(&client_static)).context("client static")?;
    noise.mix_shared_secret(eph.private_key.serialize(), &client_static)?;
    let payload = noise
        .decrypt(finish.payload.as_deref().context("ClientFinish payload")?)
        .context("ClientFinish payload does not decrypt")?;
    let (read, write) = noise.finish()?;
    Ok(Outcome {
        read,
        write,
        client_static,
        payload: decode_payload(&payload)?,
        pattern,
    })
}

fn server_hello(ephemeral: &[u8], encrypted_static: Option<Vec<u8>>, payload: Vec<u8>) -> Vec<u8> {
    wa::HandshakeMessage {
        server_hello: buffa::MessageField::some(handshake_message::ServerHello {
            ephemeral: Some(ephemeral.to_vec()),
            r#static: encrypted_static,
            payload: Some(payload),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn decode_payload(bytes: &[u8]) -> anyhow::Result<wa::ClientPayload> {
    wa::ClientPayload::decode_from_slice(bytes).context("bad ClientPayload")
}

fn key32(bytes: Option<&[u8]>) -> anyhow::Result<[u8; 32]> {
    let Some(bytes) = bytes else {
        bail!("missing key")
    };
    bytes.try_into().context("key is not 32 bytes")
}
