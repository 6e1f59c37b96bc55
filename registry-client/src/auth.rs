//! The registry's `WWW-Authenticate` challenges: HTTP basic, or a bearer token fetched from
//! the realm the registry names (the Docker token protocol): the token exchange.

use base64::Engine as _;

use crate::{Client, Credentials, Reference, RegistryError};

/// What a 401 asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

impl Challenge {
    /// Parses a `WWW-Authenticate` value; `None` for schemes compose does not speak.
    pub fn parse(header: &str) -> Option<Self> {
        let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
        let param = |key: &str| {
            params_of(params)
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        };
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => Some(Challenge::Basic),
            "bearer" => Some(Challenge::Bearer {
                realm: param("realm")?,
                service: param("service"),
                scope: param("scope"),
            }),
            _ => None,
        }
    }
}

/// `key="value", key=value` pairs.
fn params_of(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches([' ', ',']);
        if rest.is_empty() {
            return None;
        }
        let (key, after) = rest.split_once('=')?;
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        rest = next;
        Some((key.trim().to_string(), value.to_string()))
    })
}

/// `Basic <base64(user:password)>`.
pub fn basic(credentials: &Credentials) -> String {
    let raw = format!("{}:{}", credentials.username, credentials.password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// Where a bearer challenge sends compose for a token, and for what.
pub(crate) struct TokenRequest<'a> {
    pub realm: &'a str,
    pub service: Option<String>,
    pub scope: Option<String>,
}

/// `Bearer <token>` from the registry's token service (the realm it named), for `action` on
/// `reference`. The credentials go to the realm, as the token protocol has it; a realm that
/// refuses them is the registry refusing them.
pub(crate) fn token(
    client: &Client,
    reference: &Reference,
    action: &str,
    request: &TokenRequest<'_>,
    credentials: Option<&Credentials>,
) -> Result<String, RegistryError> {
    #[derive(serde::Deserialize)]
    struct Token {
        token: Option<String>,
        access_token: Option<String>,
    }
    // What the registry asked for; else no more than the action needs.
    let needed = if action.contains("upload") {
        "pull,push"
    } else {
        "pull"
    };
    let scope = request
        .scope
        .clone()
        .unwrap_or_else(|| format!("repository:{}:{needed}", reference.repository));
    let within = client.within(0);
    let mut get = client
        .agent
        .get(request.realm)
        .config()
        .timeout_global(Some(within))
        .build()
        .query("scope", &scope);
    if let Some(s) = &request.service {
        get = get.query("service", s);
    }
    if let Some(c) = credentials {
        get = get.header("Authorization", &basic(c));
    }
    let mut response = get.call().map_err(|e| RegistryError::Unreachable {
        registry: request.realm.to_string(),
        message: e.to_string(),
    })?;
    match response.status().as_u16() {
        200 => {}
        401 | 403 => {
            return Err(match credentials {
                Some(_) => RegistryError::WrongCredentials {
                    registry: reference.registry.clone(),
                    action: action.to_string(),
                },
                None => RegistryError::NoCredentials {
                    registry: reference.registry.clone(),
                    action: action.to_string(),
                },
            })
        }
        _ => return Err(client.unexpected(reference, "a token request", response)),
    }
    let body = client.read_small(&mut response, reference, "a token request")?;
    let token: Token = serde_json::from_slice(&body).map_err(|e| RegistryError::Protocol {
        registry: reference.registry.clone(),
        action: "a token request".into(),
        status: 200,
        body: e.to_string(),
    })?;
    let token = token.token.or(token.access_token).unwrap_or_default();
    Ok(format!("Bearer {token}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        assert_eq!(
            Challenge::parse("Basic realm=\"Registry Realm\""),
            Some(Challenge::Basic)
        );
        assert_eq!(
            Challenge::parse(
                "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:demo/codec:pull\""
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:demo/codec:pull".into()),
            })
        );
        assert_eq!(Challenge::parse("Negotiate"), None);
        let c = Credentials {
            username: "ci".into(),
            password: "s3cret".into(),
        };
        assert_eq!(basic(&c), "Basic Y2k6czNjcmV0");
    }
}
