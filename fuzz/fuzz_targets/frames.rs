//! Whatever bytes a client sends, the daemon's frame reader and request
//! decoder answer with a message or an error: never a panic, never an
//! allocation beyond the frame cap.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use waconn_proto::{Hello, Request, Response, codec};

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});

fuzz_target!(|data: &[u8]| {
    let _ = codec::decode::<Request>(data);
    let _ = codec::decode::<Hello>(data);
    let _ = codec::decode::<Response>(data);
    RUNTIME.block_on(async {
        let mut reader = data;
        // A connection's whole conversation: hello, then requests.
        if let Ok(Some(_)) = codec::read::<_, Hello>(&mut reader, codec::MAX_REQUEST).await {
            while let Ok(Some(_)) = codec::read::<_, Request>(&mut reader, codec::MAX_REQUEST).await {}
        }
    });
});
