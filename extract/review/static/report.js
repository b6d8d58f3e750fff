(function(){
'use strict';
var $=function(s,r){return (r||document).querySelector(s);};
var $$=function(s,r){return Array.prototype.slice.call((r||document).querySelectorAll(s));};
var REVIEW=document.body.dataset.review==='1',SCALE=parseFloat(document.body.dataset.scale)||1;
var view=$('#docview'),status=$('#status'),current=null,marks={};
var block=function(id){var b=document.getElementById(id);return b?JSON.parse(b.textContent):null;};
var GEO=block('data-geo')||{},DOCS=block('data-docs')||{},images={};
var SEV={error:'错误',warning:'警告',notice:'提示'},DEC={confirmed:'已确认',dismissed:'已排除'};
function openDoc(i){
  if(current===i)return;
  var b=document.getElementById('doc-'+i);
  if(!b)return;
  view.innerHTML=JSON.parse(b.textContent);
  current=i;marks={};
  $$('mark[data-f]',view).forEach(function(m){m.dataset.f.split(' ').forEach(function(id){(marks[id]=marks[id]||[]).push(m);});});
  if(REVIEW)paint();
  search();
  if(DOCS[i]&&DOCS[i].pdf)showPage(i,page.doc===i?page.n:1,[]);else hidePage();
}
/* the page view: the PDF page as printed, the chosen figures boxed where they stand */
var pv=$('#pageview'),img=$('#pg-img'),boxes=$('#pg-boxes'),page={doc:null,n:0,rects:[]};
function where(text){ // "page|x0 top x1 bottom;…" -> {p, rects}
  if(!text)return null;var parts=text.split('|');
  return {p:parseInt(parts[0],10),rects:parts[1].split(';').map(function(r){return r.split(' ').map(Number);}).filter(function(r){return r.length===4;})};
}
function imageOf(i,n){
  if(REVIEW)return 'page/'+encodeURIComponent(i)+'/'+n;
  if(!(i in images))images[i]=block('img-'+i)||{};
  return images[i][String(n)]||'';
}
function inPages(spec,n){ // "1-3,5" holds n?
  return (spec||'').split(',').some(function(p){var ab=p.split('-').map(Number);return ab[0]&&n>=ab[0]&&n<=(ab[1]||ab[0]);});
}
function hidePage(){pv.hidden=true;page={doc:null,n:0,rects:[]};}
function drawBoxes(){
  boxes.textContent='';
  if(!img.naturalWidth)return;
  var w=img.naturalWidth/SCALE,h=img.naturalHeight/SCALE;
  page.rects.forEach(function(r){
    var d=document.createElement('div');d.className='pg-box';
    d.style.left=(100*r[0]/w)+'%';d.style.top=(100*r[1]/h)+'%';
    d.style.width=(100*(r[2]-r[0])/w)+'%';d.style.height=(100*(r[3]-r[1])/h)+'%';
    boxes.appendChild(d);
  });
  var first=boxes.firstChild;if(first)first.scrollIntoView({block:'center'});
}
function showPage(i,n,rects,note){
  var d=DOCS[i];if(!d||!d.pdf)return hidePage();
  n=Math.max(1,Math.min(n||1,d.pages||1));
  page={doc:i,n:n,rects:rects||[]};
  pv.hidden=false;
  $('#pg-label').textContent=d.name+' 第'+n+'页'+(d.pages?'／共'+d.pages+'页':'');
  $('#pg-note').textContent=(note||'')+(inPages(d.scan,n)?' 扫描页：框出的位置由OCR给出':'');
  var src=imageOf(i,n);
  boxes.textContent='';
  if(!src){img.removeAttribute('src');img.alt='此页图像不可用（原件已移动，或超出report.html的大小上限）';return;}
  img.alt='原件第'+n+'页';
  if(img.getAttribute('src')===src&&img.complete)drawBoxes();else img.src=src;
}
img.addEventListener('load',drawBoxes);
img.addEventListener('error',function(){boxes.textContent='';img.alt='此页图像不可用（原件已移动或无法读取）';});
$('#pg-prev').addEventListener('click',function(){if(page.doc!==null)showPage(page.doc,page.n-1,[]);});
$('#pg-next').addEventListener('click',function(){if(page.doc!==null)showPage(page.doc,page.n+1,[]);});
$('#pg-zoom').addEventListener('click',function(){
  var z=pv.classList.toggle('zoom');this.textContent=z?'缩小':'放大';
  var first=boxes.firstChild;if(first)first.scrollIntoView({block:'center',inline:'center'});
});
function figurePlaces(ids){ // figure id -> where, from the text's marks or the batch's table
  var out=[];ids.forEach(function(id){var m=marks[id],w=where((m&&m[0]&&m[0].dataset.b)||GEO[id]);if(w)out.push(w);});return out;
}
function boxFigures(doc,ids,note){
  var places=figurePlaces(ids);if(!places.length)return false;
  var n=places[0].p,rects=[];
  places.forEach(function(w){if(w.p===n)rects=rects.concat(w.rects);});
  showPage(doc,n,rects,note);return true;
}
function clearSel(){$$('mark.sel',view).forEach(function(m){m.classList.remove('sel');});$$('.flag.cur').forEach(function(c){c.classList.remove('cur');});}
function markFigures(ids,label,pages){
  clearSel();var first=null,found=0,missing=0;
  ids.forEach(function(id){var ms=marks[id];if(ms&&ms.length){found++;ms.forEach(function(m){m.classList.add('sel');});first=first||ms[0];}else missing++;});
  status.textContent=label+'：文中标出'+found+'个数字'+(missing?'，'+missing+'个未能定位':'')+(pages?' · 第'+pages+'页':'');
  if(first)first.scrollIntoView({block:'center'});
}
function also(card){try{return JSON.parse(card.dataset.also||'[]');}catch(e){return [];}}
function selectFlag(card){
  openDoc(card.dataset.doc);
  var ids=card.dataset.figs?card.dataset.figs.split(' '):[];
  markFigures(ids,$('.chk',card).textContent,card.dataset.pages);
  $$('.flag').forEach(function(c){if(c.dataset.flag===card.dataset.flag)c.classList.add('cur');});
  var shown=DOCS[card.dataset.doc]&&DOCS[card.dataset.doc].pdf&&boxFigures(card.dataset.doc,ids,'');
  if(!shown)also(card).some(function(a){return DOCS[a.doc]&&DOCS[a.doc].pdf&&boxFigures(a.doc,a.figs.split(' '),'（同一报告的PDF文件）');});
  if(history.replaceState)history.replaceState(null,'','#flag='+encodeURIComponent(card.dataset.flag));
}
document.addEventListener('click',function(e){
  var t=e.target;
  if(t.closest('.rv')||t.closest('#pageview'))return;
  var s=t.closest('.setf');
  if(s){e.preventDefault();var el=document.getElementById(s.dataset.k);el.value=s.dataset.v;filter();return;}
  var r=t.closest('.rendering');
  if(r){e.preventDefault();openDoc(r.dataset.doc);var ids=r.dataset.figs.split(' ');markFigures(ids,r.textContent,'');boxFigures(r.dataset.doc,ids,'');return;}
  var o=t.closest('.opendoc,.docrow');
  if(o){e.preventDefault();openDoc(o.dataset.doc);status.textContent='已打开文件';
    if(history.replaceState)history.replaceState(null,'','#doc='+o.dataset.doc);return;}
  var op=t.closest('.op[data-fig]'),card=t.closest('.flag');
  if(op&&card){openDoc(card.dataset.doc);markFigures([op.dataset.fig],op.textContent.trim().split(' ')[0],'');boxFigures(card.dataset.doc,[op.dataset.fig],'');return;}
  if(card){selectFlag(card);return;}
  var m=t.closest('mark[data-b]');
  if(m&&current!==null){var w=where(m.dataset.b);if(w)showPage(current,w.p,w.rects,'');}
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
      ok=rv==='open'?!d:rv==='decided'?!!d:rv==='new'?!!st.new&&!st.changed:rv==='changed'?!!st.changed:d===rv;}
    c.hidden=!ok;if(ok)n++;
  });
  rows.forEach(function(r){r.hidden=!((!doc||r.dataset.doc===doc)&&(!q||r.dataset.ind.toLowerCase().indexOf(q)>=0));});
  $('#shown').textContent='显示'+n+'个问题，共'+cards.length+'个';
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
function when(iso){ // a stored time in the reader's local time
  var d=new Date(iso);return isNaN(d)?(iso||''):d.toLocaleString('zh-CN',{hour12:false});
}
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
        $('.rvmsg',card).textContent='其他核查人刚修改了此决定（已显示在上方），请重新决定';}
      else $('.rvmsg',card).textContent='未保存：'+(r.body.error||r.status);
    }).catch(function(e){$('.rvmsg',card).textContent='未保存：'+e;});
}
function badge(box,t,cls){var s=document.createElement('span');s.className='badge '+cls;s.textContent=t;box.appendChild(s);box.appendChild(document.createTextNode(' '));}
function paintCard(c){
  var id=c.dataset.flag,box=$('.rv',c),d=state.decisions[id]||{},st=state.status[id]||{};
  if(!box){
    box=document.createElement('div');box.className='rv';
    box.innerHTML='<span class="badges"></span><button type="button" class="b-conf" data-d="confirmed">确认有误</button> '+
      '<button type="button" class="b-dism" data-d="dismissed">排除</button> <button type="button" class="b-clear" data-d="">撤销决定</button> '+
      '<button type="button" class="b-note">保存备注</button><textarea placeholder="备注（核查依据、说明）"></textarea><span class="rvmsg"></span>';
    $$('button',box).forEach(function(b){b.addEventListener('click',function(){decide(c,b.classList.contains('b-note')?undefined:b.dataset.d);});});
    c.appendChild(box);
  }
  var badges=$('.badges',box);badges.textContent='';
  if(st.new&&!st.changed)badge(badges,'新出现','b-new');       // a changed flag is not new
  if(st.changed&&!d.decision){var e=st.changed;
    badge(badges,'有变化：此前'+(DEC[e.decision]||'未定')+(e.reviewer?'（'+e.reviewer+'，'+when(e.decided_at)+'）':'（'+when(e.decided_at)+'）')+'，数字已改，请重新核查','b-changed');
    if(e.note)badge(badges,'此前备注：'+e.note,'b-who');}
  badge(badges,DEC[d.decision]||'未定','b-'+(d.decision||'open'));
  if(d.decision&&(d.reviewer||d.decided_at))badge(badges,(d.reviewer?d.reviewer+' ':'')+when(d.decided_at),'b-who');
  $$('button[data-d]',box).forEach(function(b){b.classList.toggle('on',b.dataset.d!==''&&b.dataset.d===d.decision);});
  var ta=$('textarea',box);if(document.activeElement!==ta)ta.value=d.note||'';
  $('.rvmsg',box).textContent='';
}
function paint(){
  if(!REVIEW)return;
  $$('.flag[data-flag]').forEach(paintCard);
  var gone=$('#gone');gone.hidden=!state.gone.length;var list=$('.flags',gone);list.textContent='';
  state.gone.forEach(function(g){
    var div=document.createElement('div');div.className='flag gone s-'+g.severity;div.dataset.flag=g.flag_id;
    var head=document.createElement('div');head.className='fh';
    var sev=document.createElement('span');sev.className='sev';sev.textContent=SEV[g.severity]||g.severity;
    head.appendChild(sev);head.appendChild(document.createTextNode(' '+(g.check_name||g.check)+' · '+g.doc_id));
    var msg=document.createElement('div');msg.className='msg';msg.textContent=g.message;
    var dec=document.createElement('div');dec.className='where';
    dec.textContent='决定：'+(DEC[g.decision]||'未定')+(g.note?' · 备注：'+g.note:'')+' · 编号 '+g.flag_id;
    div.appendChild(head);div.appendChild(msg);div.appendChild(dec);list.appendChild(div);
  });
}
if(REVIEW){try{$('#reviewer').value=localStorage.getItem('jixiao-reviewer')||'';}catch(e){}load();}
filter();
var h=decodeURIComponent(location.hash.slice(1));
if(h.indexOf('flag=')===0){var c=cards.filter(function(x){return x.dataset.flag===h.slice(5);})[0];if(c)selectFlag(c);}
else if(h.indexOf('doc=')===0)openDoc(h.slice(4));
window.jixiao={openDoc:openDoc,filter:filter,showPage:showPage,page:function(){return page;},state:function(){return state;},reload:load};
})();
