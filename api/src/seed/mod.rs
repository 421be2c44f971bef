//! `zhaoshang-api seed-demo`: a realistic example modelled on 衢州 (Quzhou), and `--scale N`
//! generated data for benchmarks ([`scale`]).

mod scale;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;
use zhaoshang_types::{
    AgencyFields, AgencyKind, Agreement, ChainMembership, ChainNodeFields, ContactFields,
    EnterpriseFields, IndustryFields, InvestorFields, InvestorKind, InvestorStatus, NodePosition,
    OrgKind, Priority, Role, StationedGroup, TargetRegionFields, TargetRegionKind,
};

use crate::core::audit;
use crate::core::auth::password;
use crate::core::db::{self, Database, DbConnection};
use crate::core::error::ApiError;
use crate::identity::store as identity;
use crate::library::service::insert_record;
use crate::library::store::{self as store, ContactRow, LinkRow, NodeRow};
use crate::library::validate::Errors;
use crate::library::{Agencies, Enterprises, Industries, Investors, Resource, TargetRegions};

pub use scale::ScaleReport;

/// The name of the first demo user; its presence means the demo data is there.
pub const DEMO_ADMIN: &str = "demo.admin";

/// A valid unified social credit code: `91` + region + 9-digit organisation code + check.
pub fn credit_code(region: &str, org_code: u64) -> String {
    let body = format!("91{region}{:09}", org_code % 1_000_000_000);
    let check = crate::core::reference::credit_check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

fn org(
    conn: &mut DbConnection,
    kind: OrgKind,
    name: &str,
    region: Option<&str>,
    parent: Option<&str>,
) -> Result<String, ApiError> {
    let now = db::now();
    let row = identity::OrgRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind: kind.as_str().to_owned(),
        name: name.to_owned(),
        region_code: region.map(str::to_owned),
        parent_id: parent.map(str::to_owned),
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    identity::insert_org(conn, &row)?;
    Ok(row.id)
}

/// Checks demo fields like any API caller's, then inserts them.
fn record<R: Resource>(
    conn: &mut DbConnection,
    mut fields: R::Fields,
    owner: &str,
    by: &str,
) -> Result<String, ApiError> {
    let mut errors = Errors::default();
    R::normalize(&mut fields, &mut errors);
    if !errors.0.is_empty() {
        return Err(ApiError::validation(errors.0));
    }
    if R::owner(&fields).is_none() {
        R::set_owner(&mut fields, owner.to_owned());
    }
    Ok(insert_record::<R>(conn, &fields, Some(by.to_owned()))?.id)
}

fn node(
    conn: &mut DbConnection,
    industry: &str,
    name: &str,
    position: NodePosition,
    parent: Option<&str>,
    products: &[&str],
) -> Result<String, ApiError> {
    let now = db::now();
    let mut row = NodeRow {
        id: uuid::Uuid::now_v7().to_string(),
        industry_id: industry.to_owned(),
        parent_id: None,
        name: String::new(),
        position: String::new(),
        key_products: String::new(),
        notes: None,
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    row.set_fields(&ChainNodeFields {
        name: name.to_owned(),
        position,
        parent_id: parent.map(str::to_owned),
        key_products: products.iter().map(|p| (*p).to_owned()).collect(),
        notes: None,
    });
    store::insert_node(conn, &row)?;
    Ok(row.id)
}

fn contact(
    conn: &mut DbConnection,
    record_id: &str,
    name: &str,
    title: &str,
    phone: &str,
    email: &str,
) -> Result<(), ApiError> {
    let now = db::now();
    let mut row = ContactRow {
        id: uuid::Uuid::now_v7().to_string(),
        record_id: record_id.to_owned(),
        name: String::new(),
        title: None,
        phone: None,
        email: None,
        wechat: None,
        notes: None,
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    row.set_fields(ContactFields {
        name: name.to_owned(),
        title: Some(title.to_owned()),
        phone: Some(phone.to_owned()),
        email: Some(email.to_owned()),
        wechat: None,
        notes: None,
    });
    store::insert_contact(conn, &row)
}

fn link(
    conn: &mut DbConnection,
    supplier: &str,
    customer: &str,
    product: &str,
) -> Result<(), ApiError> {
    store::insert_link(
        conn,
        &LinkRow {
            id: uuid::Uuid::now_v7().to_string(),
            supplier_id: supplier.to_owned(),
            customer_id: customer.to_owned(),
            product: Some(product.to_owned()),
            notes: None,
            created_at: db::now(),
            created_by: None,
            deleted_at: None,
        },
    )
}

fn on(node: &str, role: &str) -> Vec<ChainMembership> {
    vec![ChainMembership {
        node_id: node.to_owned(),
        role: Some(role.to_owned()),
    }]
}

fn codes(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| (*c).to_owned()).collect()
}

/// A demo user: (username, role, password shown once).
pub type DemoUser = (String, Role, String);

fn random_password(rng: &mut StdRng) -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..16)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// Fills the database with the 衢州 example. `None` when it is there already (nothing changes).
pub async fn seed_demo(database: &Database) -> anyhow::Result<Option<Vec<DemoUser>>> {
    let already = database
        .read(|conn| identity::user_by_username(conn, DEMO_ADMIN))
        .await
        .map_err(ApiError::into_anyhow)?;
    if already.is_some() {
        return Ok(None);
    }
    let mut rng = StdRng::from_os_rng();
    let roles = [
        (DEMO_ADMIN, Role::Admin),
        ("demo.bureau", Role::Bureau),
        ("demo.department", Role::Department),
        ("demo.county", Role::County),
        ("demo.zone", Role::Zone),
        ("demo.agency", Role::Agency),
        ("demo.reader", Role::Reader),
    ];
    let mut users = Vec::new();
    for (name, role) in roles {
        let pw = random_password(&mut rng);
        let hash = password::hash(&pw).map_err(ApiError::into_anyhow)?;
        users.push((name.to_owned(), role, pw, hash));
    }
    let shown: Vec<DemoUser> = users
        .iter()
        .map(|(n, r, p, _)| (n.clone(), *r, p.clone()))
        .collect();
    database
        .write(move |conn| demo(conn, users))
        .await
        .map_err(ApiError::into_anyhow)?;
    Ok(Some(shown))
}

#[allow(clippy::too_many_lines)]
fn demo(
    conn: &mut DbConnection,
    users: Vec<(String, Role, String, String)>,
) -> Result<(), ApiError> {
    let bureau = org(conn, OrgKind::Bureau, "衢州市招商局", Some("330800"), None)?;
    let city = org(
        conn,
        OrgKind::County,
        "衢州市本级",
        Some("330800"),
        Some(&bureau),
    )?;
    let mut counties = Vec::new();
    for (code, name) in [
        ("330802", "柯城区"),
        ("330803", "衢江区"),
        ("330822", "常山县"),
        ("330824", "开化县"),
        ("330825", "龙游县"),
        ("330881", "江山市"),
    ] {
        counties.push(org(conn, OrgKind::County, name, Some(code), Some(&bureau))?);
    }
    let mut departments = Vec::new();
    for name in [
        "市发展和改革委员会",
        "市经济和信息化局",
        "市商务局",
        "市科学技术局",
        "市财政局",
        "市自然资源和规划局",
        "市生态环境局",
        "市住房和城乡建设局",
        "市交通运输局",
        "市农业农村局",
        "市文化广电旅游局",
        "市统计局",
    ] {
        departments.push(org(conn, OrgKind::Department, name, None, None)?);
    }
    let mut zones = Vec::new();
    for (name, parent) in [
        ("衢州智造新城", &city),
        ("衢州经济技术开发区", &city),
        ("龙游经济开发区", &counties[4]),
        ("江山经济开发区", &counties[5]),
        ("常山经济开发区", &counties[2]),
        ("开化经济开发区", &counties[3]),
    ] {
        zones.push(org(conn, OrgKind::Zone, name, None, Some(parent))?);
    }
    let admin_id = uuid::Uuid::now_v7().to_string();

    // Agencies first: one of them is the demo agency user's organisation.
    let agreement = |y: i32| {
        Some(Agreement {
            signed_on: chrono::NaiveDate::from_ymd_opt(y, 3, 1).unwrap_or_default(),
            expires_on: chrono::NaiveDate::from_ymd_opt(y + 3, 2, 28),
            terms: Some("按到位资金的约定比例给予奖励".into()),
        })
    };
    let sh_agency = record::<Agencies>(
        conn,
        AgencyFields {
            name: "上海衢商投资咨询有限公司".into(),
            kind: AgencyKind::Consultancy,
            region_code: Some("310101".into()),
            covered_region_codes: codes(&["310000", "320500"]),
            industry_codes: codes(&["26", "38"]),
            agreement: agreement(2025),
            credit_code: Some(credit_code("310101", 81_001)),
            ..Default::default()
        },
        &bureau,
        &admin_id,
    )?;
    let sz_agency = record::<Agencies>(
        conn,
        AgencyFields {
            name: "深圳湾区招商服务中心".into(),
            kind: AgencyKind::InvestmentPromotionAgency,
            region_code: Some("440300".into()),
            covered_region_codes: codes(&["440300", "440100"]),
            industry_codes: codes(&["38", "35"]),
            agreement: agreement(2024),
            ..Default::default()
        },
        &bureau,
        &admin_id,
    )?;
    let hz_agency = record::<Agencies>(
        conn,
        AgencyFields {
            name: "杭州衢州商会".into(),
            kind: AgencyKind::ChamberOfCommerce,
            region_code: Some("330100".into()),
            covered_region_codes: codes(&["330100"]),
            ..Default::default()
        },
        &bureau,
        &admin_id,
    )?;
    contact(
        conn,
        &sh_agency,
        "陈敏",
        "总经理",
        "13916001234",
        "chen.min@example.com",
    )?;
    contact(
        conn,
        &sz_agency,
        "林峰",
        "项目总监",
        "13823005678",
        "lin.feng@example.com",
    )?;
    let _ = hz_agency;

    // Users, one per role.
    for (name, role, _, hash) in users {
        let org_id = match role {
            Role::Admin | Role::Bureau => bureau.clone(),
            Role::Department => departments[2].clone(),
            Role::County => counties[0].clone(),
            Role::Zone => zones[0].clone(),
            Role::Agency => sh_agency.clone(),
            Role::Reader => departments[11].clone(),
        };
        let now = db::now();
        identity::insert_user(
            conn,
            &identity::UserRow {
                id: if role == Role::Admin {
                    admin_id.clone()
                } else {
                    uuid::Uuid::now_v7().to_string()
                },
                username: name.clone(),
                display_name: format!("演示用户（{}）", role.as_str()),
                org_id,
                role: role.as_str().to_owned(),
                active: true,
                password_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                password_changed_at: now,
            },
        )?;
    }

    // Key industries and their chains.
    let ind = |name: &str, c: &[&str], d: &str, p: Priority| IndustryFields {
        name: name.into(),
        industry_codes: codes(c),
        description: Some(d.into()),
        priority: p,
        ..Default::default()
    };
    let fluoro = record::<Industries>(
        conn,
        ind(
            "氟化工及新材料",
            &["26", "2614", "2652", "3985"],
            "依托萤石资源和龙头企业，发展含氟新材料、电子化学品。",
            Priority::A,
        ),
        &bureau,
        &admin_id,
    )?;
    let fire = record::<Industries>(
        conn,
        ind(
            "消防装备",
            &["3595", "3353"],
            "消防车辆、器材与应急救援装备。",
            Priority::B,
        ),
        &bureau,
        &admin_id,
    )?;
    let power = record::<Industries>(
        conn,
        ind(
            "输变电装备",
            &["382", "3821", "3823"],
            "变压器、开关设备、电力电子元器件。",
            Priority::A,
        ),
        &bureau,
        &admin_id,
    )?;
    let agri = record::<Industries>(
        conn,
        ind(
            "农产品加工",
            &["13", "1371", "1391"],
            "柑橘、山茶油、中药材等农产品精深加工。",
            Priority::B,
        ),
        &bureau,
        &admin_id,
    )?;
    let minerals = record::<Industries>(
        conn,
        ind(
            "矿产资源（萤石、石灰石、石英）",
            &["1011", "1099", "3011", "3099"],
            "萤石、石灰石、石英砂资源的绿色开采与深加工。",
            Priority::B,
        ),
        &bureau,
        &admin_id,
    )?;
    let tourism = record::<Industries>(
        conn,
        ind(
            "文化旅游",
            &["786", "7861", "61"],
            "南孔文化、江郎山、根宫佛国等文旅资源。",
            Priority::C,
        ),
        &bureau,
        &admin_id,
    )?;
    let logistics = record::<Industries>(
        conn,
        ind(
            "现代物流",
            &["59", "5942", "5810"],
            "四省边际多式联运枢纽与危化品仓储。",
            Priority::C,
        ),
        &bureau,
        &admin_id,
    )?;

    let f1 = node(
        conn,
        &fluoro,
        "萤石开采与选矿",
        NodePosition::Upstream,
        None,
        &["萤石精粉"],
    )?;
    let f2 = node(
        conn,
        &fluoro,
        "无水氢氟酸",
        NodePosition::Midstream,
        Some(&f1),
        &["无水氢氟酸"],
    )?;
    let f3 = node(
        conn,
        &fluoro,
        "含氟聚合物",
        NodePosition::Midstream,
        Some(&f2),
        &["PTFE", "PVDF"],
    )?;
    let f4 = node(
        conn,
        &fluoro,
        "电子级含氟化学品",
        NodePosition::Downstream,
        Some(&f2),
        &["电子级氢氟酸"],
    )?;
    let f5 = node(
        conn,
        &fluoro,
        "锂电含氟材料",
        NodePosition::Downstream,
        Some(&f3),
        &["六氟磷酸锂", "PVDF粘结剂"],
    )?;
    let _f6 = node(
        conn,
        &fluoro,
        "危化品物流",
        NodePosition::Supporting,
        None,
        &["危化品仓储"],
    )?;
    let e1 = node(
        conn,
        &fire,
        "消防车底盘与整车",
        NodePosition::Midstream,
        None,
        &["消防车"],
    )?;
    let _e2 = node(
        conn,
        &fire,
        "消防泵阀",
        NodePosition::Upstream,
        None,
        &["消防泵"],
    )?;
    let p1 = node(
        conn,
        &power,
        "硅钢与绝缘材料",
        NodePosition::Upstream,
        None,
        &["取向硅钢"],
    )?;
    let p2 = node(
        conn,
        &power,
        "变压器",
        NodePosition::Midstream,
        Some(&p1),
        &["电力变压器"],
    )?;
    let _p3 = node(
        conn,
        &power,
        "开关设备",
        NodePosition::Midstream,
        None,
        &["GIS组合电器"],
    )?;
    let a1 = node(
        conn,
        &agri,
        "柑橘种植",
        NodePosition::Upstream,
        None,
        &["椪柑"],
    )?;
    let a2 = node(
        conn,
        &agri,
        "果汁与罐头",
        NodePosition::Midstream,
        Some(&a1),
        &["橘子罐头"],
    )?;
    let m1 = node(
        conn,
        &minerals,
        "萤石矿",
        NodePosition::Upstream,
        None,
        &["萤石原矿"],
    )?;
    let _m2 = node(
        conn,
        &minerals,
        "石英砂深加工",
        NodePosition::Midstream,
        None,
        &["高纯石英砂"],
    )?;
    let _t1 = node(
        conn,
        &tourism,
        "景区运营",
        NodePosition::Midstream,
        None,
        &["江郎山"],
    )?;
    let _l1 = node(
        conn,
        &logistics,
        "多式联运",
        NodePosition::Midstream,
        None,
        &["铁公水联运"],
    )?;

    // Enterprises: local leaders, local suppliers, external targets.
    let ent = |name: &str,
               region: &str,
               c: &[&str],
               local: bool,
               leading: bool,
               n: u64,
               nodes: Vec<ChainMembership>,
               products: &[&str]| EnterpriseFields {
        name: name.into(),
        region_code: Some(region.into()),
        industry_codes: codes(c),
        is_local: local,
        is_leading: leading,
        credit_code: Some(credit_code(region, n)),
        chain_nodes: nodes,
        main_products: codes(products),
        employees: Some(if leading { 3200 } else { 260 }),
        annual_output_yuan: Some(if leading { 12_000_000_000 } else { 450_000_000 }),
        ..Default::default()
    };
    let leader = record::<Enterprises>(
        conn,
        ent(
            "衢州氟源新材料股份有限公司",
            "330802",
            &["2614"],
            true,
            true,
            10_001,
            on(&f3, "含氟聚合物生产"),
            &["PTFE", "PVDF"],
        ),
        &bureau,
        &admin_id,
    )?;
    let local_hf = record::<Enterprises>(
        conn,
        ent(
            "衢州清源氢氟酸有限公司",
            "330803",
            &["2613"],
            true,
            false,
            10_002,
            on(&f2, "氢氟酸生产"),
            &["无水氢氟酸"],
        ),
        &counties[1],
        &admin_id,
    )?;
    let ext_fluorite = record::<Enterprises>(
        conn,
        ent(
            "江西赣北萤石矿业有限公司",
            "360702",
            &["1099"],
            false,
            false,
            20_001,
            on(&f1, "萤石供应"),
            &["萤石精粉"],
        ),
        &bureau,
        &admin_id,
    )?;
    let ext_battery = record::<Enterprises>(
        conn,
        ent(
            "宁德新能锂电材料有限公司",
            "350902",
            &["3985"],
            false,
            true,
            20_002,
            on(&f5, "锂电材料"),
            &["六氟磷酸锂"],
        ),
        &bureau,
        &admin_id,
    )?;
    let ext_chip = record::<Enterprises>(
        conn,
        ent(
            "苏州晶测电子化学品有限公司",
            "320505",
            &["3985"],
            false,
            false,
            20_003,
            on(&f4, "电子化学品"),
            &["电子级氢氟酸"],
        ),
        &bureau,
        &admin_id,
    )?;
    record::<Enterprises>(
        conn,
        ent(
            "江山安邦消防装备有限公司",
            "330881",
            &["3595"],
            true,
            true,
            10_003,
            on(&e1, "整车制造"),
            &["城市主战消防车"],
        ),
        &counties[5],
        &admin_id,
    )?;
    let trafo = record::<Enterprises>(
        conn,
        ent(
            "衢州衢电变压器有限公司",
            "330802",
            &["3821"],
            true,
            true,
            10_004,
            on(&p2, "变压器制造"),
            &["电力变压器"],
        ),
        &zones[0],
        &admin_id,
    )?;
    let ext_steel = record::<Enterprises>(
        conn,
        ent(
            "上海宝钢硅钢销售有限公司",
            "310113",
            &["3821"],
            false,
            false,
            20_004,
            on(&p1, "硅钢供应"),
            &["取向硅钢"],
        ),
        &bureau,
        &admin_id,
    )?;
    record::<Enterprises>(
        conn,
        ent(
            "常山胡柚食品有限公司",
            "330822",
            &["1371"],
            true,
            true,
            10_005,
            on(&a2, "罐头加工"),
            &["胡柚罐头"],
        ),
        &counties[2],
        &admin_id,
    )?;
    record::<Enterprises>(
        conn,
        ent(
            "龙游萤石矿业有限公司",
            "330825",
            &["1099"],
            true,
            false,
            10_006,
            on(&m1, "萤石开采"),
            &["萤石原矿"],
        ),
        &counties[4],
        &admin_id,
    )?;
    link(conn, &ext_fluorite, &local_hf, "萤石精粉")?;
    link(conn, &local_hf, &leader, "无水氢氟酸")?;
    link(conn, &ext_fluorite, &leader, "萤石精粉")?;
    link(conn, &leader, &ext_battery, "PVDF粘结剂")?;
    link(conn, &leader, &ext_chip, "含氟单体")?;
    link(conn, &ext_steel, &trafo, "取向硅钢")?;

    // Key investors, some brought by agencies, with contacts.
    let inv = |name: &str,
               kind: InvestorKind,
               region: Option<&str>,
               country: &str,
               c: &[&str],
               status: InvestorStatus,
               priority: Priority,
               agency: Option<&str>,
               ext: Option<&str>| InvestorFields {
        name: name.into(),
        kind,
        region_code: region.map(str::to_owned),
        country: Some(country.into()),
        industry_codes: codes(c),
        status,
        priority,
        source_agency_id: agency.map(str::to_owned),
        external_id: ext.map(str::to_owned),
        interests: Some("关注衢州的资源禀赋与产业配套".into()),
        ..Default::default()
    };
    let investors = [
        (
            inv(
                "上海华氟科技集团有限公司",
                InvestorKind::Group,
                Some("310115"),
                "CN",
                &["2614"],
                InvestorStatus::Negotiating,
                Priority::A,
                Some(&sh_agency),
                Some("SH-0001"),
            ),
            "周海",
            "投资总监",
            "13801011234",
            "zhou.hai@example.com",
        ),
        (
            inv(
                "深圳湾储能投资有限公司",
                InvestorKind::Fund,
                Some("440305"),
                "CN",
                &["3824"],
                InvestorStatus::Contacting,
                Priority::A,
                Some(&sz_agency),
                Some("SZ-0007"),
            ),
            "吴倩",
            "合伙人",
            "13602025678",
            "wu.qian@example.com",
        ),
        (
            inv(
                "杭州云栖产业基金",
                InvestorKind::Fund,
                Some("330106"),
                "CN",
                &["39"],
                InvestorStatus::Prospect,
                Priority::B,
                None,
                None,
            ),
            "郑宇",
            "副总裁",
            "13757003456",
            "zheng.yu@example.com",
        ),
        (
            inv(
                "Rheinland Fluor GmbH",
                InvestorKind::Enterprise,
                None,
                "DE",
                &["2614"],
                InvestorStatus::Contacting,
                Priority::B,
                None,
                None,
            ),
            "Anna Weber",
            "Director",
            "+49 221 5550123",
            "anna.weber@example.de",
        ),
        (
            inv(
                "宁波甬江电气集团",
                InvestorKind::Group,
                Some("330212"),
                "CN",
                &["382"],
                InvestorStatus::Invested,
                Priority::A,
                None,
                None,
            ),
            "孙磊",
            "董事长助理",
            "13905747890",
            "sun.lei@example.com",
        ),
        (
            inv(
                "福建武夷食品有限公司",
                InvestorKind::Enterprise,
                Some("350782"),
                "CN",
                &["13"],
                InvestorStatus::Dormant,
                Priority::C,
                None,
                None,
            ),
            "黄静",
            "副总经理",
            "13505991122",
            "huang.jing@example.com",
        ),
    ];
    for (fields, name, title, phone, email) in investors {
        let owner = if fields.source_agency_id.as_deref() == Some(sh_agency.as_str()) {
            sh_agency.clone()
        } else {
            departments[2].clone()
        };
        let id = record::<Investors>(conn, fields, &owner, &admin_id)?;
        contact(conn, &id, name, title, phone, email)?;
    }

    // Target regions with stationed groups (定点长驻).
    let region = |name: &str,
                  kind: TargetRegionKind,
                  code: Option<&str>,
                  country: &str,
                  industries: Vec<String>,
                  group: Option<(&[&str], &str)>| TargetRegionFields {
        name: name.into(),
        kind,
        region_code: code.map(str::to_owned),
        country: Some(country.into()),
        priority: Priority::A,
        industry_ids: industries,
        economy: Some("经济总量大、产业外溢需求强".into()),
        transfer_conditions: Some("土地与能耗指标趋紧，部分制造环节有转移意向".into()),
        responsible_org_ids: vec![departments[2].clone()],
        stationed_group: group.map(|(members, address)| StationedGroup {
            members: codes(members),
            base_address: Some(address.into()),
            since: chrono::NaiveDate::from_ymd_opt(2025, 4, 1),
        }),
        ..Default::default()
    };
    record::<TargetRegions>(
        conn,
        region(
            "上海",
            TargetRegionKind::City,
            Some("310000"),
            "CN",
            vec![fluoro.clone(), power.clone()],
            Some((&["王磊", "李娜"], "上海市静安区南京西路")),
        ),
        &bureau,
        &admin_id,
    )?;
    record::<TargetRegions>(
        conn,
        region(
            "深圳",
            TargetRegionKind::City,
            Some("440300"),
            "CN",
            vec![power.clone()],
            Some((&["张伟"], "深圳市南山区科技园")),
        ),
        &bureau,
        &admin_id,
    )?;
    record::<TargetRegions>(
        conn,
        region(
            "长三角",
            TargetRegionKind::EconomicZone,
            None,
            "CN",
            vec![fluoro.clone(), fire.clone(), logistics.clone()],
            None,
        ),
        &bureau,
        &admin_id,
    )?;
    record::<TargetRegions>(
        conn,
        region(
            "德国",
            TargetRegionKind::Country,
            None,
            "DE",
            vec![fluoro.clone()],
            None,
        ),
        &bureau,
        &admin_id,
    )?;

    audit::record(
        conn,
        &audit::Actor::cli(),
        "seed",
        "demo",
        None,
        Some(
            json!({"orgs": 1 + 1 + 6 + 12 + 6, "users": 7, "industries": 7, "enterprises": 10, "investors": 6, "agencies": 3, "target_regions": 4}),
        ),
    )
}

/// Adds `n` generated enterprises (and n/10 investors with a contact each, n/100 agencies, chain
/// memberships and supply links), deterministic for `seed`, written in large transactions.
pub async fn seed_scale(database: &Database, n: usize, seed: u64) -> anyhow::Result<ScaleReport> {
    scale::seed(database, n, seed).await
}
