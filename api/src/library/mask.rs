//! Masking of personal contact details for callers not entitled to them. The full value never
//! leaves the server for such a caller: masking happens before serialisation.

/// `13812345678` → `138****5678`; other lengths keep at most the first 3 and last 2 digits.
pub fn phone(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let tail = match n {
        11.. => 4,
        6.. => 2,
        _ => return "****".to_owned(),
    };
    let head: String = chars.iter().take(3).collect();
    let tail: String = chars.iter().skip(n - tail).collect();
    format!("{head}****{tail}")
}

/// `zhang.san@example.com` → `z***@example.com`.
pub fn email(value: &str) -> String {
    match value.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// Any other identifier (WeChat id): the first character and `***`.
pub fn other(value: &str) -> String {
    let first: String = value.chars().take(1).collect();
    format!("{first}***")
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_look_like_the_examples_and_hide_the_middle() {
        assert_eq!(super::phone("13812345678"), "138****5678");
        assert_eq!(super::phone("+8613812345678"), "+86****5678");
        assert_eq!(super::phone("0570-8012345"), "057****2345");
        assert_eq!(super::phone("12345"), "****");
        assert_eq!(super::email("zhang.san@example.com"), "z***@example.com");
        assert_eq!(super::email("张三@例子.中国"), "张***@例子.中国");
        assert_eq!(super::email("nonsense"), "***");
        assert_eq!(super::other("wxid_abcdef"), "w***");
        for secret in ["12345678", "zhang.san"] {
            assert!(!super::phone("13812345678").contains(secret));
            assert!(!super::email("zhang.san@example.com").contains(secret));
        }
    }
}
