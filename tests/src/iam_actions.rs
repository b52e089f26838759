//! What IAM authorizes each SDK request as: the actions AWS checks and the resource each
//! is checked against, in the short form `tests/tests/iam` resolves the template's
//! resources to (`dynamodb:table`, `dynamodb:table/index/gsi2`, `s3:bucket/<key>`,
//! `ssm:parameter/<name>`, `ses:identity/<domain>`, `*` for actions without a resource).

use aws_smithy_runtime_api::client::interceptors::context::Input;

type Calls = Vec<(String, String)>;

fn call(action: &str, resource: impl Into<String>) -> (String, String) {
    (action.to_owned(), resource.into())
}

/// The actions of one request, given the SDK's service and operation names and its input.
pub fn of_input(service: &str, operation: &str, input: &Input) -> Calls {
    let calls = match service.to_ascii_lowercase().as_str() {
        "dynamodb" => dynamodb(input),
        "s3" => s3(input),
        "sesv2" => sesv2(input),
        "sns" => sns(input),
        "ssm" => ssm(input),
        "eventbridge" => eventbridge(input),
        _ => None,
    };
    calls.unwrap_or_else(|| {
        let prefix = match service.to_ascii_lowercase().as_str() {
            "sesv2" => "ses".to_owned(),
            "eventbridge" => "events".to_owned(),
            other => other.to_owned(),
        };
        vec![call(&format!("{prefix}:{operation}"), "*")]
    })
}

fn is<T: std::fmt::Debug + Send + Sync + 'static>(input: &Input) -> bool {
    input.downcast_ref::<T>().is_some()
}

fn dynamodb(input: &Input) -> Option<Calls> {
    use aws_sdk_dynamodb::operation as op;
    const TABLE: &str = "dynamodb:table";
    let on_table = |action: &str| Some(vec![call(action, TABLE)]);
    let on_index = |action: &str, index: Option<&str>| {
        Some(vec![call(
            action,
            index.map_or(TABLE.to_owned(), |i| format!("{TABLE}/index/{i}")),
        )])
    };
    let single_table = [
        (is::<op::get_item::GetItemInput>(input), "dynamodb:GetItem"),
        (is::<op::put_item::PutItemInput>(input), "dynamodb:PutItem"),
        (
            is::<op::update_item::UpdateItemInput>(input),
            "dynamodb:UpdateItem",
        ),
        (
            is::<op::delete_item::DeleteItemInput>(input),
            "dynamodb:DeleteItem",
        ),
        (
            is::<op::batch_get_item::BatchGetItemInput>(input),
            "dynamodb:BatchGetItem",
        ),
        (
            is::<op::batch_write_item::BatchWriteItemInput>(input),
            "dynamodb:BatchWriteItem",
        ),
        // A TransactGetItems is authorized as the GetItem of each of its items.
        (
            is::<op::transact_get_items::TransactGetItemsInput>(input),
            "dynamodb:GetItem",
        ),
    ];
    if let Some((_, action)) = single_table.iter().find(|(hit, _)| *hit) {
        return on_table(action);
    }
    if let Some(query) = input.downcast_ref::<op::query::QueryInput>() {
        return on_index("dynamodb:Query", query.index_name());
    }
    if let Some(scan) = input.downcast_ref::<op::scan::ScanInput>() {
        return on_index("dynamodb:Scan", scan.index_name());
    }
    let transaction = input.downcast_ref::<op::transact_write_items::TransactWriteItemsInput>()?;
    let calls = transaction
        .transact_items()
        .iter()
        .map(|item| {
            let action = if item.put().is_some() {
                "dynamodb:PutItem"
            } else if item.update().is_some() {
                "dynamodb:UpdateItem"
            } else if item.delete().is_some() {
                "dynamodb:DeleteItem"
            } else {
                "dynamodb:ConditionCheckItem"
            };
            call(action, TABLE)
        })
        .collect();
    Some(calls)
}

fn s3(input: &Input) -> Option<Calls> {
    use aws_sdk_s3::operation as op;
    let object = |action: &str, key: Option<&str>| {
        Some(vec![call(
            action,
            format!("s3:bucket/{}", key.unwrap_or_default()),
        )])
    };
    if let Some(copy) = input.downcast_ref::<op::copy_object::CopyObjectInput>() {
        // A CopySource is URL-encoded.
        let source =
            shared::http::percent_decode(copy.copy_source().unwrap_or_default().as_bytes());
        let source = String::from_utf8_lossy(&source);
        let source = source.split('?').next().unwrap_or_default();
        let source_key = source.split_once('/').map_or("", |(_, key)| key);
        return Some(vec![
            call("s3:GetObject", format!("s3:bucket/{source_key}")),
            call(
                "s3:PutObject",
                format!("s3:bucket/{}", copy.key().unwrap_or_default()),
            ),
        ]);
    }
    if let Some(get) = input.downcast_ref::<op::get_object::GetObjectInput>() {
        return object("s3:GetObject", get.key());
    }
    if let Some(head) = input.downcast_ref::<op::head_object::HeadObjectInput>() {
        return object("s3:GetObject", head.key());
    }
    if let Some(put) = input.downcast_ref::<op::put_object::PutObjectInput>() {
        return object("s3:PutObject", put.key());
    }
    if let Some(create) =
        input.downcast_ref::<op::create_multipart_upload::CreateMultipartUploadInput>()
    {
        return object("s3:PutObject", create.key());
    }
    if let Some(part) = input.downcast_ref::<op::upload_part::UploadPartInput>() {
        return object("s3:PutObject", part.key());
    }
    if let Some(complete) =
        input.downcast_ref::<op::complete_multipart_upload::CompleteMultipartUploadInput>()
    {
        return object("s3:PutObject", complete.key());
    }
    if let Some(abort) =
        input.downcast_ref::<op::abort_multipart_upload::AbortMultipartUploadInput>()
    {
        return object("s3:AbortMultipartUpload", abort.key());
    }
    if let Some(delete) = input.downcast_ref::<op::delete_object::DeleteObjectInput>() {
        return object("s3:DeleteObject", delete.key());
    }
    None
}

fn sesv2(input: &Input) -> Option<Calls> {
    let send = input.downcast_ref::<aws_sdk_sesv2::operation::send_email::SendEmailInput>()?;
    let from = send.from_email_address().unwrap_or_default();
    let address = from
        .rsplit_once('<')
        .map_or(from, |(_, a)| a.trim_end_matches('>'));
    let domain = address.rsplit_once('@').map_or(address, |(_, d)| d);
    let mut calls = vec![call("ses:SendEmail", format!("ses:identity/{domain}"))];
    // Sending through a configuration set is authorized on the set too.
    if let Some(set) = send.configuration_set_name() {
        calls.push(call(
            "ses:SendEmail",
            format!("ses:configuration-set/{set}"),
        ));
    }
    Some(calls)
}

fn sns(input: &Input) -> Option<Calls> {
    let publish = input.downcast_ref::<aws_sdk_sns::operation::publish::PublishInput>()?;
    // A text to a phone number has no resource: IAM checks it against `*`.
    let resource = match publish.topic_arn().or(publish.target_arn()) {
        Some(arn) => format!("sns:{}", arn.splitn(6, ':').last().unwrap_or_default()),
        None => "*".to_owned(),
    };
    Some(vec![call("sns:Publish", resource)])
}

fn eventbridge(input: &Input) -> Option<Calls> {
    use aws_sdk_eventbridge::operation as op;
    let put = input.downcast_ref::<op::put_events::PutEventsInput>()?;
    // Each entry is authorized against its bus (the default bus when none is named).
    Some(
        put.entries()
            .iter()
            .map(|entry| {
                let bus = entry.event_bus_name().unwrap_or("default");
                let name = bus.rsplit_once('/').map_or(bus, |(_, name)| name);
                call("events:PutEvents", format!("events:event-bus/{name}"))
            })
            .collect(),
    )
}

fn ssm(input: &Input) -> Option<Calls> {
    use aws_sdk_ssm::operation as op;
    let parameter = |name: &str| format!("ssm:parameter/{}", name.trim_start_matches('/'));
    if let Some(get) = input.downcast_ref::<op::get_parameters::GetParametersInput>() {
        return Some(
            get.names()
                .iter()
                .map(|name| call("ssm:GetParameters", parameter(name)))
                .collect(),
        );
    }
    let get = input.downcast_ref::<op::get_parameter::GetParameterInput>()?;
    Some(vec![call(
        "ssm:GetParameter",
        parameter(get.name().unwrap_or_default()),
    )])
}
