//! Who connected: the peer's address, or behind a reverse proxy named in
//! `server.trusted_proxies`, the address the proxy says it served.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;

/// The client's address for limits and logs. `X-Forwarded-For` is read only
/// from a trusted proxy, and from its right end: each proxy appends the
/// address it saw, so the entries left of the last trusted one may have been
/// written by the client itself.
pub fn address(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    forwarded_for(peer, req.headers(), trusted).to_string()
}

fn forwarded_for(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            // Garbage from beyond the proxies: the last address believed.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxy = [ip("10.0.0.2")];
        let h = headers(&["203.0.113.7"]);
        assert_eq!(forwarded_for(ip("10.0.0.2"), &h, &proxy), ip("203.0.113.7"));
        assert_eq!(
            forwarded_for(ip("198.51.100.1"), &h, &proxy),
            ip("198.51.100.1")
        );
        assert_eq!(forwarded_for(ip("10.0.0.2"), &h, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn what_the_client_wrote_left_of_the_proxies_is_not_believed() {
        let proxies = [ip("10.0.0.2"), ip("10.0.0.3")];
        let h = headers(&["1.2.3.4, 203.0.113.7", "10.0.0.3"]);
        assert_eq!(
            forwarded_for(ip("10.0.0.2"), &h, &proxies),
            ip("203.0.113.7")
        );
        let h = headers(&["not-an-address, 203.0.113.7"]);
        assert_eq!(
            forwarded_for(ip("10.0.0.2"), &h, &proxies),
            ip("203.0.113.7")
        );
        let h = headers(&["203.0.113.7, rubbish"]);
        assert_eq!(forwarded_for(ip("10.0.0.2"), &h, &proxies), ip("10.0.0.2"));
        assert_eq!(
            forwarded_for(ip("10.0.0.2"), &headers(&[]), &proxies),
            ip("10.0.0.2")
        );
    }
}
