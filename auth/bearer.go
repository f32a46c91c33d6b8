package auth

import "strings"

// BearerToken extracts the token from the value of an
// "Authorization: Bearer <token>" header. It returns ("", false, nil) when
// header is empty, and an EUNAUTHENTICATED *benkan.Error when the header is
// present but not a well-formed Bearer credential (RFC 6750, section 2.1).
// The scheme is matched case-insensitively.
func BearerToken(header string) (token string, present bool, err error) {
	if header == "" {
		return "", false, nil
	}
	scheme, rest, ok := strings.Cut(header, " ")
	if !ok {
		if strings.EqualFold(header, "Bearer") {
			return "", true, refusal(errHeaderMalformed)
		}
		return "", true, refusal(errScheme)
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", true, refusal(errScheme)
	}
	token = strings.TrimLeft(rest, " ")
	if token == "" {
		return "", true, refusal(errHeaderMalformed)
	}
	if !isB64Token(token) {
		return "", true, refusal(errBearerMalformed)
	}
	return token, true, nil
}

// isB64Token reports whether s matches the b64token rule of RFC 6750:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
