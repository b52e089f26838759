//! Replies that become messages.

use shared::domain::{ConversationStatus, MessageType};
use shared::store::{MessageStore, UploadStore};

use super::*;

const ANNA: &str = "anna.berg@gmail.com";

#[tokio::test]
async fn a_reply_becomes_the_contacts_message_counted_and_notified_like_one_from_the_web() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;

    let handled = receive(&replies, fixture!("gmail-reply"), ANNA, &token).await;
    assert_eq!(handled, Handled::Message);
    let thread = thread(&stack).await;
    let reply = thread.last().unwrap();
    assert!(
        is_email_reply(reply, SenderType::Customer, "p1"),
        "{reply:?}"
    );
    assert_eq!(reply.message, "Thanks! We'll be there at 3pm.");
    assert_eq!(reply.sender_name, "Contact p1");
    assert_eq!(
        reply.external_ref.as_deref(),
        Some("CAF8sK2pQ7vN3xR1mZ9tY6wL4bH0cJ5dE2gU8iO1aS3fD7hK9jQ@mail.gmail.com")
    );
    let header = stack.header(&general("c1")).await;
    assert_eq!(header.status, ConversationStatus::Open);
    assert_eq!(
        header.unread_for(Side::Staff, "s1", None),
        1,
        "unread for staff"
    );
    assert!(
        header.due.is_some(),
        "a notification is pending, as for a web message"
    );
}

#[tokio::test]
async fn the_same_message_delivered_again_makes_no_second_message() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    let raw = fixture!("gmail-reply");
    assert_eq!(receive(&replies, raw, ANNA, &token).await, Handled::Message);
    assert_eq!(
        receive(&replies, raw, ANNA, &token).await,
        Handled::Duplicate
    );
    assert_eq!(
        thread(&stack).await.len(),
        2,
        "the first message and one reply"
    );
}

#[tokio::test]
async fn a_staff_members_reply_is_a_staff_message() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "Can we come at 3?"}),
        )
        .await;
    let replies = replies(&stack).await;
    let vet = "s1@oakvets.example";
    let token = token_for(&stack, Side::Staff, "s1", vet).await;
    let raw = from(fixture!("outlook-reply"), vet);
    assert_eq!(receive(&replies, &raw, vet, &token).await, Handled::Message);
    let reply = thread(&stack).await.pop().unwrap();
    assert!(is_email_reply(&reply, SenderType::Staff, "s1"), "{reply:?}");
    assert!(
        reply.message.starts_with("Yes, Thursday at 3pm works"),
        "{}",
        reply.message
    );
    assert!(!reply.message.contains("Original"), "{}", reply.message);
}

#[tokio::test]
async fn every_client_s_reply_is_stripped_to_what_the_person_wrote() {
    for (raw, address, expected) in [
        (
            fixture!("apple-mail-reply"),
            "tom.becker@icloud.com",
            "Yes, 3pm works. Rex says woof \u{1f436}",
        ),
        (
            fixture!("latin1-reply"),
            "juergen.hartmann@example.de",
            "Vielen Dank, wir kommen um 15 Uhr.",
        ),
        (fixture!("html-only"), "lena.koch@web.example", ""),
        (fixture!("signature"), "anna.berg@happypaws.example", ""),
        (fixture!("interleaved"), "anna.berg@posteo.example", ""),
    ] {
        let stack = TestApp::start(TENANT).await;
        clinic(&stack, address).await;
        let replies = replies(&stack).await;
        let token = token_for(&stack, Side::Customer, "p1", address).await;
        assert_eq!(
            receive(&replies, raw, address, &token).await,
            Handled::Message,
            "{address}"
        );
        let reply = thread(&stack).await.pop().unwrap();
        assert!(
            reply.message.starts_with(expected),
            "{address}: {}",
            reply.message
        );
        assert!(
            !reply.message.contains("> "),
            "{address}: {}",
            reply.message
        );
        assert!(
            !reply.message.contains("wrote:"),
            "{address}: {}",
            reply.message
        );
    }
}

#[tokio::test]
async fn a_reply_that_is_only_a_quote_is_kept_whole_not_blanked() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    assert_eq!(
        receive(&replies, fixture!("only-quote"), ANNA, &token).await,
        Handled::Message
    );
    let reply = thread(&stack).await.pop().unwrap();
    assert!(reply.message.contains("wrote:"), "{}", reply.message);
}

#[tokio::test]
async fn an_attachment_goes_through_the_allow_list_into_the_conversations_files() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    let raw = fixture!("with-attachment");
    assert_eq!(receive(&replies, raw, ANNA, &token).await, Handled::Message);
    let reply = thread(&stack).await.pop().unwrap();
    assert_eq!(reply.message, "Here is the photo of Rex's paw.");
    assert_eq!(reply.attachments.len(), 1);
    let file = &reply.attachments[0];
    assert_eq!(
        (file.name.as_str(), file.content_type.as_str()),
        ("paw.png", "image/png")
    );
    let upload = stack
        .store
        .uploads(&TenantId::from(TENANT), std::slice::from_ref(&file.id))
        .await
        .unwrap()
        .pop()
        .expect("the upload a download reads");
    assert_eq!(
        upload.message_id.as_deref(),
        Some(reply.id.as_str()),
        "taken by the message"
    );
    let key = shared::files::file_key(&TenantId::from(TENANT), &general("c1"), &file.id);
    let stored = replies.files.read(&key).await.unwrap();
    assert_eq!(stored.len() as u64, file.size);
    assert!(stored.starts_with(b"\x89PNG"));

    // Delivered again: the same keys, nothing taken twice, no second message.
    assert_eq!(
        receive(&replies, raw, ANNA, &token).await,
        Handled::Duplicate
    );
    let upload = stack
        .store
        .uploads(&TenantId::from(TENANT), std::slice::from_ref(&file.id))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(upload.message_id.as_deref(), Some(reply.id.as_str()));
}

#[tokio::test]
async fn files_the_allow_list_refuses_are_named_in_the_message_not_kept() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    let raw = format!(
        "From: Anna <{ANNA}>\r\nTo: x@{DOMAIN}\r\nSubject: Re: results\r\nMessage-ID: <exe-1@gmail.com>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n\
         --b1\r\nContent-Type: application/x-msdownload\r\nContent-Disposition: attachment; filename=\"setup.exe\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAA=\r\n\
         --b1\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"fake.png\"\r\n\r\nnot a png\r\n\
         --b1--\r\n"
    );
    assert_eq!(
        receive(&replies, raw.as_bytes(), ANNA, &token).await,
        Handled::Message
    );
    let reply = thread(&stack).await.pop().unwrap();
    assert!(reply.attachments.is_empty());
    assert_eq!(reply.message_type, MessageType::Text);
    assert!(
        reply.message.starts_with("See attached."),
        "{}",
        reply.message
    );
    assert!(
        reply.message.contains("setup.exe, fake.png"),
        "{}",
        reply.message
    );
}

#[tokio::test]
async fn a_basic_staff_member_writes_where_their_assignment_lets_them() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    stack
        .store
        .put_assignment(
            &TenantId::from(TENANT),
            &shared::domain::directory::Assignment {
                user_id: "b1".into(),
                customer_id: "c1".into(),
                until: None,
                assigned_at: shared::domain::now_rfc3339(),
                assigned_by: "a1".into(),
            },
        )
        .await
        .unwrap();
    let replies = replies(&stack).await;
    let address = "b1@oakvets.example";
    let token = token_for(&stack, Side::Staff, "b1", address).await;
    let raw = from(fixture!("gmail-reply"), address);
    assert_eq!(
        receive(&replies, &raw, address, &token).await,
        Handled::Message
    );
    let conversation = stack
        .store
        .conversation(&TenantId::from(TENANT), &general("c1"))
        .await;
    assert!(conversation.unwrap().is_some());
}

#[tokio::test]
async fn a_vendor_replies_in_the_orders_they_take_part_in_and_no_other() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    staff(&stack, "vendor-9", Role::BasicStaff).await;
    staff(&stack, "vendor-7", Role::BasicStaff).await;
    let host = Claims::service(TENANT, "marketplace");
    let (status, opened) = stack
        .call(
            admin::handle,
            testkit::app::open_conversation(&host, testkit::app::order_1042()),
        )
        .await;
    assert_eq!(status, 201, "{opened}");
    let order = shared::domain::ConversationId::decode(opened["id"].as_str().unwrap()).unwrap();
    let replies = replies(&stack).await;
    let vendor = "vendor-9@oakvets.example";
    let token = token_in(&stack, &order, Side::Staff, "vendor-9", vendor).await;
    let raw = from(fixture!("gmail-reply"), vendor);
    assert_eq!(
        receive(&replies, &raw, vendor, &token).await,
        Handled::Message
    );
    let messages = stack.messages(&order, 10).await;
    assert!(messages
        .iter()
        .any(|m| is_email_reply(m, SenderType::Staff, "vendor-9")));

    let other = "vendor-7@oakvets.example";
    let token = token_in(&stack, &order, Side::Staff, "vendor-7", other).await;
    let raw = from(fixture!("signature"), other);
    let refused = receive(&replies, &raw, other, &token).await;
    assert_eq!(
        refused,
        Handled::Unmatched {
            reason: shared::store::UnmatchedReason::SenderNotAllowed,
            answered: false
        }
    );
}
