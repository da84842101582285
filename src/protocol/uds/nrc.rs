//! Negative response codes (ISO 14229-1:2013 Annex A.1).

/// An NRC; codes without a name here keep their byte in `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nrc {
    GeneralReject,
    ServiceNotSupported,
    SubFunctionNotSupported,
    IncorrectMessageLength,
    ConditionsNotCorrect,
    RequestSequenceError,
    RequestOutOfRange,
    SecurityAccessDenied,
    InvalidKey,
    ExceedNumberOfAttempts,
    RequiredTimeDelayNotExpired,
    UploadDownloadNotAccepted,
    TransferDataSuspended,
    GeneralProgrammingFailure,
    WrongBlockSequenceCounter,
    /// requestCorrectlyReceived-ResponsePending: the final answer follows
    /// within P2*server_max.
    ResponsePending,
    SubFunctionNotSupportedInActiveSession,
    ServiceNotSupportedInActiveSession,
    Other(u8),
}

const TABLE: [(Nrc, u8, &str); 18] = [
    (Nrc::GeneralReject, 0x10, "generalReject"),
    (Nrc::ServiceNotSupported, 0x11, "serviceNotSupported"),
    (
        Nrc::SubFunctionNotSupported,
        0x12,
        "subFunctionNotSupported",
    ),
    (
        Nrc::IncorrectMessageLength,
        0x13,
        "incorrectMessageLengthOrInvalidFormat",
    ),
    (Nrc::ConditionsNotCorrect, 0x22, "conditionsNotCorrect"),
    (Nrc::RequestSequenceError, 0x24, "requestSequenceError"),
    (Nrc::RequestOutOfRange, 0x31, "requestOutOfRange"),
    (Nrc::SecurityAccessDenied, 0x33, "securityAccessDenied"),
    (Nrc::InvalidKey, 0x35, "invalidKey"),
    (Nrc::ExceedNumberOfAttempts, 0x36, "exceedNumberOfAttempts"),
    (
        Nrc::RequiredTimeDelayNotExpired,
        0x37,
        "requiredTimeDelayNotExpired",
    ),
    (
        Nrc::UploadDownloadNotAccepted,
        0x70,
        "uploadDownloadNotAccepted",
    ),
    (Nrc::TransferDataSuspended, 0x71, "transferDataSuspended"),
    (
        Nrc::GeneralProgrammingFailure,
        0x72,
        "generalProgrammingFailure",
    ),
    (
        Nrc::WrongBlockSequenceCounter,
        0x73,
        "wrongBlockSequenceCounter",
    ),
    (
        Nrc::ResponsePending,
        0x78,
        "requestCorrectlyReceived-ResponsePending",
    ),
    (
        Nrc::SubFunctionNotSupportedInActiveSession,
        0x7E,
        "subFunctionNotSupportedInActiveSession",
    ),
    (
        Nrc::ServiceNotSupportedInActiveSession,
        0x7F,
        "serviceNotSupportedInActiveSession",
    ),
];

impl Nrc {
    pub fn from_u8(code: u8) -> Self {
        TABLE
            .iter()
            .find(|(_, c, _)| *c == code)
            .map_or(Nrc::Other(code), |(n, _, _)| *n)
    }

    pub fn code(self) -> u8 {
        match self {
            Nrc::Other(c) => c,
            named => TABLE
                .iter()
                .find(|(n, _, _)| *n == named)
                .map_or(0, |(_, c, _)| *c),
        }
    }

    /// The ISO 14229-1 mnemonic, e.g. "invalidKey".
    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(_, c, _)| *c == self.code())
            .map_or("unknown", |(_, _, s)| s)
    }
}

impl From<u8> for Nrc {
    fn from(code: u8) -> Self {
        Nrc::from_u8(code)
    }
}

impl std::fmt::Display for Nrc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{:02X} {}", self.code(), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in 0..=255u8 {
            assert_eq!(Nrc::from_u8(code).code(), code);
        }
        assert_eq!(Nrc::from_u8(0x78), Nrc::ResponsePending);
        assert_eq!(Nrc::from_u8(0x73), Nrc::WrongBlockSequenceCounter);
        assert_eq!(Nrc::from_u8(0x99), Nrc::Other(0x99));
        assert_eq!(Nrc::InvalidKey.to_string(), "0x35 invalidKey");
    }
}
