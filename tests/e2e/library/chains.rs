//! Industry chains: nodes (no cycles), enterprises on nodes, supply links, the counted tree,
//! the gaps (补链) and leading enterprises' partners, and what deletion does to them.

use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{TestApp, db_test};
use zhaoshang_types::{
    ChainMembership, ChainNode, ChainNodeFields, Enterprise, EnterpriseFields, IndustryFields,
    NodePosition, SupplyLinkFields,
};

use super::{enterprise, problem_field};

/// The chain of the test: 萤石开采 → 氢氟酸 → 含氟薄膜.
struct Chain {
    industry_id: String,
    fluorite: ChainNode,
    hf: ChainNode,
    film: ChainNode,
}

/// The enterprises of the test.
struct Parties {
    /// A local leading enterprise on 氢氟酸.
    leader: Enterprise,
    /// An external supplier on 萤石开采.
    supplier: Enterprise,
    /// An external customer on no node.
    customer: Enterprise,
}

fn on(node_id: &str) -> Vec<ChainMembership> {
    vec![ChainMembership {
        node_id: node_id.to_owned(),
        role: None,
    }]
}

fn link(supplier: &Enterprise, customer: &Enterprise, product: Option<&str>) -> SupplyLinkFields {
    SupplyLinkFields {
        supplier_id: supplier.id.clone(),
        customer_id: customer.id.clone(),
        product: product.map(str::to_owned),
        notes: None,
    }
}

db_test!(chains_count_enterprises_and_find_gaps, chains_and_gaps);
async fn chains_and_gaps(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let chain = nodes_without_cycles(&admin).await;
    let parties = enterprises_on_nodes(&admin, &chain).await;
    supply_links(&admin, &parties).await;
    tree_counts(&admin, &chain, &parties).await;
    gaps_and_partners(&admin, &chain, &parties).await;

    // Deleting a node with children is refused; a deleted enterprise leaves the counts.
    assert_eq!(
        admin
            .delete_chain_node(&chain.hf.id, None)
            .await
            .expect_err("children")
            .status(),
        Some(409)
    );
    admin
        .enterprises()
        .delete(&parties.supplier.id, None)
        .await
        .expect("delete");
    let tree = admin.chain(&chain.industry_id).await.expect("chain");
    assert_eq!(tree.nodes[0].external_enterprises, 0);
}

/// Three nodes, each the parent of the next; making the first a child of the last is a cycle.
async fn nodes_without_cycles(admin: &Client) -> Chain {
    let industry = admin
        .industries()
        .create(&IndustryFields {
            name: "氟化工及新材料".into(),
            industry_codes: vec!["26".into()],
            ..IndustryFields::default()
        })
        .await
        .expect("industry");
    let mut made: Vec<ChainNode> = Vec::new();
    for (name, position) in [
        ("萤石开采", NodePosition::Upstream),
        ("氢氟酸", NodePosition::Midstream),
        ("含氟薄膜", NodePosition::Downstream),
    ] {
        let node = admin
            .create_chain_node(
                &industry.id,
                &ChainNodeFields {
                    name: name.into(),
                    position,
                    parent_id: made.last().map(|p| p.id.clone()),
                    key_products: vec![],
                    notes: None,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("node {name}: {e}"));
        made.push(node);
    }
    let [fluorite, hf, film]: [ChainNode; 3] = made.try_into().expect("three nodes");
    let err = admin
        .update_chain_node(&fluorite.id, &json!({"parent_id": film.id}), None)
        .await
        .expect_err("cycle");
    assert_eq!(problem_field(&err).1, "cycle");
    Chain {
        industry_id: industry.id,
        fluorite,
        hf,
        film,
    }
}

/// Two local enterprises (one leading) on 氢氟酸, an external one on 萤石开采, another on no
/// node; an unknown node is named.
async fn enterprises_on_nodes(admin: &Client, chain: &Chain) -> Parties {
    let e = admin.enterprises();
    let leader = e
        .create(&EnterpriseFields {
            is_leading: true,
            chain_nodes: on(&chain.hf.id),
            ..enterprise("巨化股份", "330802", &["2614"], true)
        })
        .await
        .expect("leader");
    e.create(&EnterpriseFields {
        chain_nodes: on(&chain.hf.id),
        ..enterprise("本地配套", "330803", &["2614"], true)
    })
    .await
    .expect("local");
    let supplier = e
        .create(&EnterpriseFields {
            chain_nodes: on(&chain.fluorite.id),
            ..enterprise("江西萤石矿业", "360702", &["1019"], false)
        })
        .await
        .expect("ext");
    let customer = e
        .create(&enterprise("上海膜材料", "310104", &["2922"], false))
        .await
        .expect("ext2");
    let err = e
        .create(&EnterpriseFields {
            chain_nodes: on("0192f7d4-0000-7000-8000-000000000000"),
            ..enterprise("x", "330802", &[], true)
        })
        .await
        .expect_err("node");
    assert_eq!(
        problem_field(&err),
        ("chain_nodes[0].node_id".into(), "unknown_reference".into())
    );
    Parties {
        leader,
        supplier,
        customer,
    }
}

/// Links in and out of the leader; a link the enterprise is no party of is refused; a
/// deleted link is gone.
async fn supply_links(admin: &Client, p: &Parties) {
    let leader = &p.leader.id;
    admin
        .create_supply_link(leader, &link(&p.supplier, &p.leader, Some("萤石精粉")))
        .await
        .expect("link in");
    admin
        .create_supply_link(leader, &link(&p.leader, &p.customer, Some("PVDF")))
        .await
        .expect("link out");
    let err = admin
        .create_supply_link(leader, &link(&p.supplier, &p.customer, None))
        .await
        .expect_err("not a party");
    assert_eq!(problem_field(&err).1, "not_a_party");
    let count = || async { admin.supply_links(leader).await.expect("links").items.len() };
    assert_eq!(count().await, 2);
    let temporary = admin
        .create_supply_link(leader, &link(&p.leader, &p.supplier, None))
        .await
        .expect("a third link");
    admin
        .delete_supply_link(leader, &temporary.id)
        .await
        .expect("delete link");
    assert_eq!(
        admin
            .delete_supply_link(leader, &temporary.id)
            .await
            .expect_err("gone")
            .status(),
        Some(404)
    );
    assert_eq!(count().await, 2);
}

/// The tree: one top node, local and external enterprises counted per node, the leading
/// enterprises of a node.
async fn tree_counts(admin: &Client, chain: &Chain, p: &Parties) {
    assert_eq!(
        admin
            .get_chain_node(&chain.hf.id)
            .await
            .expect("node")
            .fields
            .parent_id
            .as_deref(),
        Some(chain.fluorite.id.as_str())
    );
    let tree = admin.chain(&chain.industry_id).await.expect("chain");
    assert_eq!(tree.nodes.len(), 1, "one top node");
    let top = &tree.nodes[0];
    let mid = &top.children[0];
    for (node, expected) in [(top, ("萤石开采", 0, 1)), (mid, ("氢氟酸", 2, 0))] {
        assert_eq!(
            (
                node.node.fields.name.as_str(),
                node.local_enterprises,
                node.external_enterprises
            ),
            expected,
            "{}",
            expected.0
        );
    }
    assert_eq!(
        mid.leading_enterprises
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        [p.leader.id.as_str()]
    );
    assert_eq!(mid.children[0].node.id, chain.film.id);
}

/// Nodes without a local enterprise, with the external ones to bring (补链), and the leading
/// enterprise's suppliers and customers.
async fn gaps_and_partners(admin: &Client, chain: &Chain, p: &Parties) {
    let gaps = admin.chain_gaps(&chain.industry_id).await.expect("gaps");
    let missing: Vec<&str> = gaps
        .missing_nodes
        .iter()
        .map(|m| m.node.fields.name.as_str())
        .collect();
    assert_eq!(
        missing,
        ["萤石开采", "含氟薄膜"],
        "nodes without a local enterprise"
    );
    assert_eq!(
        gaps.missing_nodes[0].external_enterprises[0].id, p.supplier.id,
        "补链 target"
    );
    assert_eq!(gaps.leading_partners.len(), 1);
    let lp = &gaps.leading_partners[0];
    assert_eq!(lp.enterprise.id, p.leader.id);
    assert_eq!(
        lp.suppliers
            .iter()
            .map(|x| (x.enterprise.id.as_str(), x.product.as_deref()))
            .collect::<Vec<_>>(),
        [(p.supplier.id.as_str(), Some("萤石精粉"))]
    );
    assert_eq!(
        lp.customers
            .iter()
            .map(|x| x.enterprise.id.as_str())
            .collect::<Vec<_>>(),
        [p.customer.id.as_str()]
    );
}
