//! A registration connection: hand out QR refs, or take a pair-code
//! request; once the phone signed (scan or typed code) and the client
//! counter-signed, the device is linked (see [`super::pairing`]).

use wacore_binary::Node;
use wacore_binary::builder::NodeBuilder;

use super::link_code::{self, CodeFlow, Handled};
use super::pairing::{self, Pending};
use super::session::{End, Session, Step};
use crate::state::command::{PhoneCommand, ScanError};
use crate::state::stats::bump;
use crate::version::AppVersion;
use crate::wire::nodes::{self, attr, random_id};

/// Serves a registration until the device is linked or the client leaves.
pub(crate) async fn run(s: &mut Session<'_>, version: AppVersion) -> anyhow::Result<End> {
    bump(&s.shared.stats.registrations);
    if let Some(failure) = s.shared.admit_registration(version) {
        tracing::info!(%version, "registration of an outdated client refused");
        s.io.send_and_close(&failure).await;
        return Ok(End::Closed);
    }
    let refs: Vec<String> = (0..s.shared.config.refs).map(|_| random_id(24)).collect();
    s.shared.live().offer_refs(
        s.id,
        &refs,
        std::time::Instant::now(),
        s.shared.config.first_ref_ttl,
        s.shared.config.ref_ttl,
    );
    let ref_nodes: Vec<Node> = refs
        .iter()
        .map(|r| NodeBuilder::new("ref").bytes(r.as_bytes().to_vec()).build())
        .collect();
    let pair_device = NodeBuilder::new("pair-device").children(ref_nodes).build();
    s.io.send(&nodes::iq_set(&random_id(8), "md", vec![pair_device]))
        .await?;

    let mut pending: Option<Pending> = None;
    let mut code: Option<CodeFlow> = None;
    loop {
        match s.next(pending.as_ref().map(|p| p.deadline)).await? {
            Step::Node(node) => {
                let is_answer = node.tag == "iq"
                    && pending
                        .as_ref()
                        .is_some_and(|p| attr(&node, "id").as_deref() == Some(p.iq_id.as_str()));
                if let Some(p) = pending.take_if(|_| is_answer) {
                    if pairing::finish(s, p, &node).await? {
                        return Ok(End::Closed);
                    }
                    continue;
                }
                match link_code::stanza(s, &node, &mut code).await? {
                    Handled::Pairing(p) => pending = Some(*p),
                    Handled::Done => {}
                    Handled::NotMine => answer_request(s, &node).await?,
                }
            }
            Step::Phone(PhoneCommand::Scan(request)) => {
                if pending.is_some() {
                    let _ = request.reply.send(Err(ScanError::Rejected(
                        "a pairing is already in progress".into(),
                    )));
                } else {
                    pending = pairing::start(s, request).await?;
                }
            }
            Step::Phone(PhoneCommand::EnterCode(entry)) => {
                link_code::enter(s, &mut code, entry).await?;
            }
            Step::Wake => {
                if let Some(p) = pending.take() {
                    let _ = p.request.reply.send(Err(ScanError::Timeout));
                }
            }
            Step::Outbox => {}
            Step::End(end) => return Ok(end),
        }
    }
}

/// Any other request gets a bare result.
async fn answer_request(s: &mut Session<'_>, node: &Node) -> anyhow::Result<()> {
    if node.tag == "iq" && matches!(attr(node, "type").as_deref(), Some("get" | "set")) {
        s.io.send(&nodes::iq_result(&attr(node, "id").unwrap_or_default()))
            .await?;
    }
    Ok(())
}
