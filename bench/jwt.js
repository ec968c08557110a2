// The do-it-yourself baseline: an HS256 JWT checked in njs.
var crypto = require('crypto');
var KEY = 'bench-hs256-secret-bench-hs256-secret';

function verify(r) {
    var auth = r.headersIn.Authorization || '';
    if (auth.slice(0, 7) !== 'Bearer ') {
        return '0';
    }
    var parts = auth.slice(7).split('.');
    if (parts.length !== 3) {
        return '0';
    }
    var sig = crypto.createHmac('sha256', KEY)
                    .update(parts[0] + '.' + parts[1]).digest('base64url');
    if (sig !== parts[2]) {
        return '0';
    }
    var claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    if (claims.exp < Date.now() / 1000) {
        return '0';
    }
    return '1';
}

export default { verify };
