// HeaderIndex, one request's headers read once, lives in the propagation module (the
// lowest of its users, whose extraction styles read it by id); this header, where the
// proxy headers, the request helper and the client-IP lookup first found it, keeps
// their includes working.
#pragma once

#include "gatetrace/propagation/header_index.h"
