//! Protocol 2 end to end through the library alone (what firmware speaking the protocol itself
//! gets): responses bound to their request, key confirmation in both directions, fingerprints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
// Protocol 1 (`wire::respond_to_request`, `ClientSecret::finish_response`) is deprecated, not
// gone: these tests keep it working.
#![allow(deprecated)]

#[path = "common/test_rng.rs"]
mod test_rng;

use std::sync::OnceLock;

use pqpsk::confirm::{self, BoundResponse, Confirmation, Role, DIGEST_LEN};
use pqpsk::sizes::CLIENT_SECRET_LEN;
use pqpsk::wire::{self, Header, MessageType, HEADER_LEN};
use pqpsk::{ClientSecret, Error, Suite};
use test_rng::FixedRng;

/// Two requests from two clients (exported secrets), made once.
fn clients() -> &'static [(Vec<u8>, Vec<u8>); 2] {
    static CLIENTS: OnceLock<[(Vec<u8>, Vec<u8>); 2]> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(|| {
                [1u8, 2].map(|seed| {
                    let mut client = ClientSecret::new_boxed();
                    let mut request = vec![0u8; wire::MAX_REQUEST_LEN];
                    let n = client
                        .generate_request(&mut FixedRng::new(seed), &mut request)
                        .unwrap();
                    request.truncate(n);
                    let mut secret = vec![0u8; CLIENT_SECRET_LEN];
                    client.export_into(&mut secret).unwrap();
                    (secret, request)
                })
            })
            .unwrap()
            .join()
            .unwrap()
    })
}

fn client(i: usize) -> Box<ClientSecret> {
    let mut c = ClientSecret::new_boxed();
    c.import(&clients()[i].0).unwrap();
    c
}

fn respond(request: &[u8], seed: u8) -> (Vec<u8>, pqpsk::Psk) {
    let mut out = vec![0u8; confirm::MAX_BOUND_RESPONSE_LEN];
    let (n, psk) = confirm::respond_bound(&mut FixedRng::new(seed), request, &mut out).unwrap();
    out.truncate(n);
    (out, psk)
}

#[test]
fn a_bound_exchange_confirms_on_both_sides() {
    let request = &clients()[0].1;
    let digest = confirm::request_digest(request);
    let (response, server_psk) = respond(request, 9);
    // Layout: header (type 0x10), the request's digest, then the protocol-1 body unchanged.
    let header = Header::decode(&response).unwrap();
    assert_eq!(header.message_type, MessageType::BoundResponse);
    assert_eq!(
        response.len(),
        wire::response_len(Suite::default()) + DIGEST_LEN
    );
    assert_eq!(response[HEADER_LEN..HEADER_LEN + DIGEST_LEN], digest);
    let mut plain = vec![0u8; wire::MAX_RESPONSE_LEN];
    let (n, plain_psk) =
        wire::respond_to_request(&mut FixedRng::new(9), request, &mut plain).unwrap();
    assert_eq!(response[HEADER_LEN + DIGEST_LEN..], plain[HEADER_LEN..n]);
    assert_eq!(plain_psk, server_psk);

    let client_psk = client(0).finish_bound_response(&digest, &response).unwrap();
    assert_eq!(client_psk, server_psk);
    assert_eq!(
        confirm::fingerprint(&client_psk),
        confirm::fingerprint(&server_psk)
    );

    let at_client = Confirmation::new(&client_psk, &digest, &response);
    let at_server = Confirmation::new(&server_psk, &digest, &response);
    let mut message = [0u8; confirm::SERVER_CONFIRM_LEN];
    let n = at_client
        .encode_client(Suite::default(), &mut message)
        .unwrap();
    at_server
        .check_client(Suite::default(), &message[..n])
        .unwrap();
    for applied in [true, false] {
        at_server
            .encode_server(Suite::default(), applied, &mut message)
            .unwrap();
        assert_eq!(
            at_client.check_server(Suite::default(), &message),
            Ok(applied)
        );
    }
    // A client tag is never accepted as the server's, nor the reverse.
    assert_eq!(
        at_server.verify(Role::ServerApplied, &at_client.tag(Role::Client)),
        Err(Error::ConfirmationFailed)
    );
}

#[test]
fn a_response_for_another_request_is_refused_before_anything_is_consumed() {
    let (other_response, _) = respond(&clients()[1].1, 9);
    let digest = confirm::request_digest(&clients()[0].1);
    let mut c = client(0);
    assert_eq!(
        c.finish_bound_response(&digest, &other_response),
        Err(Error::ResponseForAnotherRequest)
    );
    assert!(c.is_ready(), "the secret must survive a stale response");
    // A protocol-1 response is refused by name.
    let mut plain = vec![0u8; wire::MAX_RESPONSE_LEN];
    let (n, _) =
        wire::respond_to_request(&mut FixedRng::new(9), &clients()[0].1, &mut plain).unwrap();
    assert_eq!(
        c.finish_bound_response(&digest, &plain[..n]),
        Err(Error::UnboundResponse)
    );
    assert!(c.is_ready());
    // Its own response still works.
    let (response, psk) = respond(&clients()[0].1, 9);
    assert_eq!(c.finish_bound_response(&digest, &response), Ok(psk));
    assert!(!c.is_ready());
}

#[test]
fn bound_responses_decode_strictly() {
    let request = &clients()[0].1;
    let (response, _) = respond(request, 9);
    let n = response.len();
    assert!(matches!(
        BoundResponse::decode(&response[..n - 1]),
        Err(Error::Truncated { .. })
    ));
    assert!(matches!(
        BoundResponse::decode(&[&response[..], &[0]].concat()),
        Err(Error::TrailingBytes { .. })
    ));
    assert!(matches!(
        BoundResponse::decode(request),
        Err(Error::WrongMessageType { .. })
    ));
    let mut bad_len = response.clone();
    bad_len[11] ^= 1;
    assert!(matches!(
        BoundResponse::decode(&bad_len),
        Err(Error::BodyLength { .. })
    ));
    // Nothing is written when the request is bad or the buffer too small.
    let mut out = vec![0xA5u8; confirm::MAX_BOUND_RESPONSE_LEN];
    assert!(confirm::respond_bound(&mut FixedRng::new(9), &response, &mut out).is_err());
    assert!(out.iter().all(|&b| b == 0xA5));
    let mut short = vec![0xA5u8; n - 1];
    assert!(matches!(
        confirm::respond_bound(&mut FixedRng::new(9), request, &mut short),
        Err(Error::BufferTooSmall { .. })
    ));
    assert!(short.iter().all(|&b| b == 0xA5));
}
