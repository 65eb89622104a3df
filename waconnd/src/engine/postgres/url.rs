//! Database URLs as they may be shown: the password never leaves this file.

/// What stands in for a password in anything shown.
const HIDDEN: &str = "***";

/// `url` with its password replaced by `***`, both the one after the user
/// name (`postgres://user:secret@host/db`) and a `password=` query parameter.
/// Safe to put in a log line, an error or a panic message.
///
/// A URL that is not of the form `scheme://...` is not shown at all: it may
/// be a key=value connection string with the password anywhere in it.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<database URL not shown: it is not of the form postgres://...>".to_string();
    };
    // The user information ends at the last `@`: a password may hold an
    // unescaped `@`, `/`, `?` or `#`. Only a user name free of `/`, `?` and
    // `#` makes it user information: otherwise the `@` sits in the query.
    let userinfo = rest.rsplit_once('@').filter(|(info, _)| {
        let user = info.split(':').next().unwrap_or_default();
        !user.contains(['/', '?', '#'])
    });
    match userinfo {
        Some((info, tail)) => {
            let user = match info.split_once(':') {
                Some((user, _password)) => format!("{user}:{HIDDEN}"),
                None => info.to_string(),
            };
            format!("{scheme}://{user}@{}", redact_query(tail))
        }
        None => format!("{scheme}://{}", redact_query(rest)),
    }
}

/// The path, query and fragment with the value of every `password`
/// parameter hidden.
fn redact_query(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}={HIDDEN}"),
            _ => pair.to_string(),
        })
        .collect();
    let mut shown = format!("{path}?{}", query.join("&"));
    if let Some(fragment) = fragment {
        shown.push('#');
        shown.push_str(fragment);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn hides_the_password_after_the_user() {
        assert_eq!(
            redact_url("postgres://waconn:s3cret@db.example:5432/waconn"),
            "postgres://waconn:***@db.example:5432/waconn"
        );
        assert_eq!(
            redact_url("postgresql://u:p@h"),
            "postgresql://u:***@h",
            "no path"
        );
    }

    #[test]
    fn hides_a_password_holding_url_punctuation() {
        let shown = redact_url("postgres://u:pa:ss@word@h:1/db?sslmode=require");
        assert_eq!(shown, "postgres://u:***@h:1/db?sslmode=require");
        for password in ["pa/ss", "pa?ss", "pa#ss", "p@ss/w?rd"] {
            let shown = redact_url(&format!("postgres://u:{password}@h/db"));
            assert_eq!(shown, "postgres://u:***@h/db", "{password}");
        }
    }

    #[test]
    fn hides_a_password_query_parameter() {
        let shown = redact_url("postgres://u@h/db?sslmode=disable&password=hunter2&x=1#frag");
        assert_eq!(
            shown,
            "postgres://u@h/db?sslmode=disable&password=***&x=1#frag"
        );
        for url in [
            "postgres://h/db?PASSWORD=hunter2",
            "postgres://h/db?password=hunter2&y=a:b@c",
            "postgres://h/db?password=hunter2&y=a@c",
        ] {
            let shown = redact_url(url);
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    fn keeps_urls_without_secrets_as_they_are() {
        for url in [
            "postgres://u@h/db",
            "postgres://h:5432/db",
            "postgres:///db?host=/run/postgresql",
            "postgres://h",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }

    #[test]
    fn never_shows_a_key_value_string() {
        let shown = redact_url("host=h user=u password=hunter2 dbname=d");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("host=h"), "{shown}");
    }
}
