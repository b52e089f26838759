//! DynamoDB for the local API and the tests: dynoxide's HTTP server embedded on a
//! listener we bind, so no separate process is needed. When `AWS_ENDPOINT_URL_DYNAMODB`
//! is set, that endpoint is used instead and nothing is started.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::Client;
use shared::domain::ids::TenantId;
use shared::store::{schema, DynamoStore};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::counter::RequestCounter;

/// A dynoxide server running in this process until dropped.
pub struct EmbeddedDynamo {
    pub endpoint: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl EmbeddedDynamo {
    /// Serves `database` on `address` (`127.0.0.1:0` picks a free port).
    pub async fn start(
        database: dynoxide::Database,
        address: &str,
    ) -> std::io::Result<EmbeddedDynamo> {
        let listener = TcpListener::bind(address).await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let stop = async move {
                let _ = stopped.await;
            };
            if let Err(err) = dynoxide::server::serve_with_shutdown(listener, database, stop).await
            {
                tracing::error!(%err, "embedded DynamoDB stopped");
            }
        });
        Ok(EmbeddedDynamo {
            endpoint,
            shutdown: Some(shutdown),
        })
    }

    /// A fresh in-memory database.
    pub async fn in_memory() -> EmbeddedDynamo {
        let database = dynoxide::Database::memory().expect("an in-memory database opens");
        EmbeddedDynamo::start(database, "127.0.0.1:0")
            .await
            .expect("a loopback listener binds")
    }
}

impl Drop for EmbeddedDynamo {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A DynamoDB client for `endpoint` with static local credentials, counting requests
/// when given a counter.
pub fn client(endpoint: &str, counter: Option<&RequestCounter>) -> Client {
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "tidings-local",
        ))
        .endpoint_url(endpoint)
        .http_client(shared::aws::http_client())
        .interceptor(crate::aws_calls::AwsCalls);
    if let Some(counter) = counter {
        config = config.interceptor(counter.clone());
    }
    Client::from_conf(config.build())
}

/// One test's storage: its own database (or its own table on an external endpoint), with
/// the table created from the shared schema.
pub struct TestStack {
    pub store: DynamoStore,
    pub requests: RequestCounter,
    /// The attachments bucket on moto's S3, when moto runs (`make test`).
    pub files: Option<shared::files::S3Files>,
    /// The S3 requests of this stack's functions.
    pub s3_requests: RequestCounter,
    /// DynamoDB's endpoint (its stream is read there).
    pub endpoint: String,
    _server: Option<EmbeddedDynamo>,
}

impl TestStack {
    /// A table without its stream, which the tests of everything but events do not read
    /// ([`schema::Stream::Off`]).
    pub async fn start() -> TestStack {
        TestStack::start_with(None, schema::Stream::Off).await
    }

    /// A table with its stream, as deployed ([`TestStack::stream`] reads it).
    pub async fn with_stream() -> TestStack {
        TestStack::start_with(None, schema::Stream::On).await
    }

    /// A stack whose DynamoDB and S3 clients meet these faults (the table is created
    /// before any).
    pub async fn with_faults(faults: &crate::faults::Faults) -> TestStack {
        TestStack::start_with(Some(faults), schema::Stream::Off).await
    }

    pub(crate) async fn start_with(
        faults: Option<&crate::faults::Faults>,
        stream: schema::Stream,
    ) -> TestStack {
        let requests = RequestCounter::default();
        let (endpoint, server) = match std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
            Ok(endpoint) if !endpoint.is_empty() => (endpoint, None),
            _ => {
                let server = EmbeddedDynamo::in_memory().await;
                (server.endpoint.clone(), Some(server))
            }
        };
        let mut config = client(&endpoint, Some(&requests)).config().to_builder();
        if let Some(faults) = faults {
            config = config.http_client(faults.http_client());
        }
        let client = Client::from_conf(config.build());
        let table = format!(
            "tidings-test-{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        schema::create_table_with(&client, &table, stream)
            .await
            .expect("the test table is created");
        requests.reset();
        let s3_requests = RequestCounter::default();
        TestStack {
            store: DynamoStore::new(client, table),
            requests,
            files: test_files(&s3_requests, faults).await,
            s3_requests,
            endpoint,
            _server: server,
        }
    }
}

impl TestStack {
    /// The table's stream from its first record.
    pub async fn stream(&self) -> crate::stream::StreamReader {
        crate::stream::StreamReader::open(
            &self.endpoint,
            self.store.table(),
            crate::stream::Start::TrimHorizon,
        )
        .await
        .expect("the table has a stream")
    }

    /// Saves a tenant's settings, as an admin's PUT would.
    /// Saves the tenant's settings, with the operator's grant of the SMS numbers and
    /// sender address they name.
    pub async fn set_settings(&self, tenant: &str, settings: &shared::domain::Settings) {
        use shared::store::SettingsStore;
        let grant = shared::domain::grant::Grant {
            sms_numbers: settings.sms_numbers.clone(),
            sender_identities: settings.from_email.iter().cloned().collect(),
            ..Default::default()
        };
        self.set_grant(tenant, &grant).await;
        self.store
            .put_settings(&TenantId::from(tenant), settings, None)
            .await
            .expect("the settings are saved");
    }

    /// Saves the operator's grant to a tenant as it is given.
    pub async fn set_grant(&self, tenant: &str, grant: &shared::domain::grant::Grant) {
        use shared::store::GrantStore;
        let previous = self
            .store
            .get_grant(&TenantId::from(tenant))
            .await
            .expect("the grant is read");
        self.store
            .put_grant(&TenantId::from(tenant), grant, previous.as_ref())
            .await
            .expect("the grant is saved");
    }

    /// A person's unread count in a conversation, from the header and their stored position.
    pub async fn unread(
        &self,
        tenant: &str,
        conversation: &shared::domain::ConversationId,
        side: shared::domain::Side,
        user: &str,
    ) -> u64 {
        use shared::store::{MessageStore, Reader};
        let tenant = &TenantId::from(tenant);
        let reader = Reader {
            side,
            user_id: user.to_owned(),
        };
        let header = self
            .store
            .conversation(tenant, conversation)
            .await
            .expect("the header reads")
            .expect("the conversation exists");
        let positions = self
            .store
            .read_positions(tenant, conversation, std::slice::from_ref(&reader))
            .await
            .expect("the positions read");
        header.unread_for(side, user, positions.get(&reader))
    }

    /// What a function builds per container, on this stack's store.
    pub fn app(&self) -> shared::App<DynamoStore> {
        let app = shared::App::new(self.store.clone(), &test_config(self.store.table()));
        match &self.files {
            Some(files) => app.with_files(files.clone()),
            None => app,
        }
    }
}

pub fn test_config(table: &str) -> shared::Config {
    let vars = [
        ("TABLE_NAME", table),
        ("CURSOR_SECRET", "tidings-test-cursor-secret"),
        ("SETTINGS_CACHE_SECONDS", "30"),
        // Tests write faster than any person; the limits have tests of their own.
        ("RATE_LIMIT_READS", "100000/100000"),
        ("RATE_LIMIT_WRITES", "100000/100000"),
    ];
    shared::Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .expect("the test configuration is valid")
}

/// The bucket tests upload to: created once per test process on moto's S3.
pub const TEST_BUCKET: &str = "tidings-test-files";

async fn test_files(
    requests: &RequestCounter,
    faults: Option<&crate::faults::Faults>,
) -> Option<shared::files::S3Files> {
    static CREATED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    std::env::var("AWS_ENDPOINT_URL").ok()?;
    let clients = shared::aws::Clients::from_environment().await;
    let sdk = clients.sdk_config();
    CREATED
        .get_or_init(|| async {
            let s3 = aws_sdk_s3::Client::new(sdk);
            let _ = s3.create_bucket().bucket(TEST_BUCKET).send().await;
        })
        .await;
    let mut counted = aws_sdk_s3::config::Builder::from(sdk)
        .interceptor(requests.clone())
        .interceptor(crate::aws_calls::AwsCalls);
    if let Some(faults) = faults {
        counted = counted.http_client(faults.http_client());
    }
    let counted = counted.build();
    Some(shared::files::S3Files::new(
        aws_sdk_s3::Client::from_conf(counted),
        TEST_BUCKET,
        sdk.credentials_provider()?,
        sdk.region()?.as_ref(),
    ))
}
