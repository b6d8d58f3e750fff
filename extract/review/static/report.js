(function(){
'use strict';
var $=function(s,r){return (r||document).querySelector(s);};
var $$=function(s,r){return Array.prototype.slice.call((r||document).querySelectorAll(s));};
var REVIEW=document.body.dataset.review==='1';
var view=$('#docview'),status=$('#status'),current=null,marks={};
function openDoc(i){
  if(current===i)return;
  var block=document.getElementById('doc-'+i);
  if(!block)return;
  view.innerHTML=JSON.parse(block.textContent);
  current=i;marks={};
  $$('mark[data-f]',view).forEach(function(m){m.dataset.f.split(' ').forEach(function(id){(marks[id]=marks[id]||[]).push(m);});});
  if(REVIEW)paint();
  search();
}
function clearSel(){$$('mark.sel',view).forEach(function(m){m.classList.remove('sel');});$$('.flag.cur').forEach(function(c){c.classList.remove('cur');});}
function markFigures(ids,label,pages){
  clearSel();var first=null,found=0,missing=0;
  ids.forEach(function(id){var ms=marks[id];if(ms&&ms.length){found++;ms.forEach(function(m){m.classList.add('sel');});first=first||ms[0];}else missing++;});
  status.textContent=label+': '+found+' figure(s) marked in the text'+(missing?', '+missing+' not located':'')+(pages?' · page '+pages:'');
  if(first)first.scrollIntoView({block:'center'});
}
function selectFlag(card){
  openDoc(card.dataset.doc);
  var ids=card.dataset.figs?card.dataset.figs.split(' '):[];
  markFigures(ids,card.dataset.check+' '+card.dataset.flag,card.dataset.pages);
  $$('.flag').forEach(function(c){if(c.dataset.flag===card.dataset.flag)c.classList.add('cur');});
  if(history.replaceState)history.replaceState(null,'','#flag='+encodeURIComponent(card.dataset.flag));
}
document.addEventListener('click',function(e){
  var t=e.target;
  if(t.closest('.rv'))return;
  var s=t.closest('.setf');
  if(s){e.preventDefault();var el=document.getElementById(s.dataset.k);el.value=s.dataset.v;filter();return;}
  var o=t.closest('.opendoc,.docrow');
  if(o){e.preventDefault();openDoc(o.dataset.doc);status.textContent='document opened';
    if(history.replaceState)history.replaceState(null,'','#doc='+o.dataset.doc);return;}
  var op=t.closest('.op[data-fig]'),card=t.closest('.flag');
  if(op&&card){openDoc(card.dataset.doc);markFigures([op.dataset.fig],'figure '+op.dataset.fig,'');return;}
  if(card)selectFlag(card);
});
document.addEventListener('keydown',function(e){
  if(e.key!=='Enter'||e.target.closest('.rv'))return;
  var c=e.target.closest('.flag');if(c){selectFlag(c);return;}
  var r=e.target.closest('.docrow');if(r)openDoc(r.dataset.doc);
});
var cards=$$('#flags .flag'),rows=$$('.docrow');
function rvState(id){return REVIEW?(state.status[id]||{}):{};}
function filter(){
  var sev=$('#f-sev').value,chk=$('#f-check').value,doc=$('#f-doc').value,rv=$('#f-rv').value;
  var q=$('#f-ind').value.trim().toLowerCase(),n=0;
  cards.forEach(function(c){
    var ok=(!sev||c.dataset.sev===sev)&&(!chk||c.dataset.check===chk)&&(!doc||c.dataset.doc===doc)&&
      (!q||c.dataset.ind.toLowerCase().indexOf(q)>=0);
    if(ok&&rv){var d=(state.decisions[c.dataset.flag]||{}).decision||'',st=rvState(c.dataset.flag);
      ok=rv==='open'?!d:rv==='decided'?!!d:rv==='new'?!!st.new:d===rv;}
    c.hidden=!ok;if(ok)n++;
  });
  rows.forEach(function(r){r.hidden=!((!doc||r.dataset.doc===doc)&&(!q||r.dataset.ind.toLowerCase().indexOf(q)>=0));});
  $('#shown').textContent=n+' of '+cards.length+' flags shown';
  if(doc)openDoc(doc);
  search();
}
function search(){
  var q=$('#f-ind').value.trim().toLowerCase();
  $$('mark.hit',view).forEach(function(m){m.classList.remove('hit');});
  if(q)$$('mark[data-i]',view).forEach(function(m){if(m.dataset.i.toLowerCase().indexOf(q)>=0)m.classList.add('hit');});
}
['#f-sev','#f-check','#f-doc','#f-rv'].forEach(function(s){$(s).addEventListener('change',filter);});
$('#f-ind').addEventListener('input',filter);
/* review mode: decisions from the local server */
var state={decisions:{},status:{},gone:[]};
function req(method,url,body){
  return fetch(url,{method:method,headers:body?{'Content-Type':'application/json'}:{},body:body?JSON.stringify(body):undefined})
    .then(function(r){return r.json().then(function(j){return {status:r.status,body:j};});});
}
function load(){return req('GET','api/state').then(function(r){state=r.body;paint();filter();});}
function decide(card,decision){
  var id=card.dataset.flag,d=state.decisions[id]||{},note=$('textarea',card).value;
  var who=$('#reviewer').value;try{localStorage.setItem('jixiao-reviewer',who);}catch(e){}
  req('POST','api/decision',{flag_id:id,decision:decision===undefined?(d.decision||''):decision,note:note,reviewer:who,base_version:d.version||0})
    .then(function(r){
      if(r.status===200){state.decisions[id]=r.body;paint();filter();}
      else if(r.status===409){state.decisions[id]=r.body.current;paint();
        $('.rvmsg',card).textContent='changed by another reviewer meanwhile: shown above, decide again';}
      else $('.rvmsg',card).textContent='not saved: '+(r.body.error||r.status);
    }).catch(function(e){$('.rvmsg',card).textContent='not saved: '+e;});
}
function paintCard(c){
  var id=c.dataset.flag,box=$('.rv',c),d=state.decisions[id]||{},st=state.status[id]||{};
  if(!box){
    box=document.createElement('div');box.className='rv';
    box.innerHTML='<span class="badges"></span><button class="b-conf" data-d="confirmed">confirm</button> '+
      '<button class="b-dism" data-d="dismissed">dismiss</button> <button class="b-clear" data-d="">undecide</button> '+
      '<button class="b-note">save note</button><textarea placeholder="note"></textarea><span class="rvmsg"></span>';
    $$('button',box).forEach(function(b){b.addEventListener('click',function(){decide(c,b.classList.contains('b-note')?undefined:b.dataset.d);});});
    c.appendChild(box);
  }
  var badges=$('.badges',box);badges.textContent='';
  function badge(t,cls){var s=document.createElement('span');s.className='badge '+cls;s.textContent=t;badges.appendChild(s);badges.appendChild(document.createTextNode(' '));}
  if(st.new)badge('new','b-new');
  badge(d.decision||'undecided','b-'+(d.decision||'open'));
  if(d.decision&&(d.reviewer||d.decided_at))badge((d.reviewer?d.reviewer+' ':'')+(d.decided_at||''),'b-who');
  $$('button[data-d]',box).forEach(function(b){b.classList.toggle('on',b.dataset.d!==''&&b.dataset.d===d.decision);});
  var ta=$('textarea',box);if(document.activeElement!==ta)ta.value=d.note||'';
  $('.rvmsg',box).textContent='';
}
function paint(){
  if(!REVIEW)return;
  $$('.flag[data-flag]').forEach(paintCard);
  var gone=$('#gone');gone.hidden=!state.gone.length;var list=$('.flags',gone);list.textContent='';
  state.gone.forEach(function(g){
    var div=document.createElement('div');div.className='flag gone';div.dataset.flag=g.flag_id;
    var head=document.createElement('div');head.textContent=g.severity+' '+g.check+' · '+g.doc_id+' · '+g.flag_id;
    var msg=document.createElement('div');msg.className='msg';msg.textContent=g.message;
    var dec=document.createElement('div');dec.className='where';
    dec.textContent='decision: '+(g.decision||'none')+(g.note?' · note: '+g.note:'');
    div.appendChild(head);div.appendChild(msg);div.appendChild(dec);list.appendChild(div);
  });
}
if(REVIEW){try{$('#reviewer').value=localStorage.getItem('jixiao-reviewer')||'';}catch(e){}load();}
filter();
var h=decodeURIComponent(location.hash.slice(1));
if(h.indexOf('flag=')===0){var c=cards.filter(function(x){return x.dataset.flag===h.slice(5);})[0];if(c)selectFlag(c);}
else if(h.indexOf('doc=')===0)openDoc(h.slice(4));
window.jixiao={openDoc:openDoc,filter:filter,state:function(){return state;},reload:load};
})();
